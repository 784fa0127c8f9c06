import { ChannelFault, SmtpChannel } from './smtp-channel';
import { faultError, replyError } from './smtp-classify';
import {
  protocolError,
  SmtpDeliveryError,
  timedOut,
  unreachable,
  type SmtpStage,
} from './smtp-error';
import type { SmtpEngineOptions } from './smtp-options';
import type { SmtpReply } from './smtp-reply';
import { SessionState } from './smtp-session-state';

export interface Capabilities {
  pipelining: boolean;
  starttls: boolean;
  eightBitMime: boolean;
  smtpUtf8: boolean;
  auth: Set<string>;
  /** SIZE limit in octets, 0 when none was announced. */
  size: number;
}

const NO_CAPABILITIES: Capabilities = {
  pipelining: false,
  starttls: false,
  eightBitMime: false,
  smtpUtf8: false,
  auth: new Set(),
  size: 0,
};

function parseEhlo(reply: SmtpReply): Capabilities {
  const caps: Capabilities = { ...NO_CAPABILITIES, auth: new Set() };
  for (const line of reply.lines.slice(1)) {
    const [keyword, ...args] = line.trim().toUpperCase().split(/\s+/);
    if (keyword === 'PIPELINING') caps.pipelining = true;
    else if (keyword === 'STARTTLS') caps.starttls = true;
    else if (keyword === '8BITMIME') caps.eightBitMime = true;
    else if (keyword === 'SMTPUTF8') caps.smtpUtf8 = true;
    else if (keyword === 'SIZE') caps.size = Number(args[0]) || 0;
    else if (keyword === 'AUTH' || keyword.startsWith('AUTH=')) {
      const mechs = keyword === 'AUTH' ? args : [keyword.slice(5), ...args];
      mechs.forEach((m) => caps.auth.add(m));
    }
  }
  return caps;
}

/**
 * A logged-in SMTP session: greeting, EHLO (HELO for old servers), STARTTLS, AUTH. What runs
 * over it afterwards (transactions, RSET, QUIT) lives in smtp-transaction.ts and the pool.
 */
export class SmtpSession {
  /** Owned here: the pool and the transaction report events to it and ask it. */
  readonly state: SessionState;

  private constructor(
    readonly channel: SmtpChannel,
    readonly caps: Capabilities,
    readonly options: SmtpEngineOptions,
  ) {
    this.state = new SessionState(options.maxMessagesPerConnection);
    channel.onUnsolicited = () => {
      // Typically 421 on an idle connection: the server is going away.
      this.state.markBroken();
      channel.destroy();
    };
  }

  get messages(): number {
    return this.state.messages;
  }

  get inflight(): number {
    return this.state.inflight;
  }

  get broken(): boolean {
    return this.state.broken;
  }

  get idleSince(): number {
    return this.state.idleSince;
  }

  /** Called once when the connection closes, whatever closed it. */
  onClose(listener: () => void): void {
    this.channel.onClose = listener;
  }

  get closed(): boolean {
    return this.channel.closed;
  }

  get pipelining(): boolean {
    return this.options.pipelining && this.caps.pipelining;
  }

  static async open(options: SmtpEngineOptions): Promise<SmtpSession> {
    let channel: SmtpChannel;
    try {
      channel = await SmtpChannel.open(options);
    } catch (err) {
      if (err instanceof ChannelFault && err.kind === 'tls') throw unreachable('tls');
      if (err instanceof ChannelFault && err.kind === 'timeout') throw timedOut('connect', false);
      throw unreachable('other');
    }
    let stage: SmtpStage = 'greeting';
    try {
      const greeting = await channel.readOne(options.greetingTimeoutMs);
      if (greeting.code !== 220) throw replyError('greeting', greeting);
      stage = 'ehlo';
      let caps = await SmtpSession.hello(channel, options);
      const wantTls = !channel.secure && options.starttls !== 'never';
      if (wantTls && caps.starttls) {
        stage = 'starttls';
        channel.write('STARTTLS\r\n');
        const reply = await channel.readOne(options.commandTimeoutMs);
        if (reply.code !== 220) throw replyError('starttls', reply);
        await channel.upgrade(options);
        stage = 'ehlo';
        caps = await SmtpSession.hello(channel, options);
      } else if (wantTls && options.starttls === 'required') {
        throw protocolError('starttls', 'server does not offer STARTTLS, which is required');
      }
      if (options.auth) {
        stage = 'auth';
        await SmtpSession.authenticate(channel, caps, options);
      }
      return new SmtpSession(channel, caps, options);
    } catch (err) {
      channel.destroy();
      throw faultError(err, stage);
    }
  }

  private static async hello(
    channel: SmtpChannel,
    options: SmtpEngineOptions,
  ): Promise<Capabilities> {
    channel.write(`EHLO ${options.clientName}\r\n`);
    const ehlo = await channel.readOne(options.commandTimeoutMs);
    if (ehlo.code === 250) return parseEhlo(ehlo);
    if (ehlo.code === 421 || ehlo.code < 500) throw replyError('ehlo', ehlo);
    channel.write(`HELO ${options.clientName}\r\n`);
    const helo = await channel.readOne(options.commandTimeoutMs);
    if (helo.code !== 250) throw replyError('ehlo', helo);
    return NO_CAPABILITIES;
  }

  private static async authenticate(
    channel: SmtpChannel,
    caps: Capabilities,
    options: SmtpEngineOptions,
  ): Promise<void> {
    const { user, pass } = options.auth!;
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const t = options.commandTimeoutMs;
    let reply: SmtpReply;
    if (caps.auth.has('PLAIN')) {
      channel.write(`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}\r\n`, 'AUTH PLAIN ****');
      reply = await channel.readOne(t);
    } else if (caps.auth.has('LOGIN')) {
      channel.write('AUTH LOGIN\r\n');
      reply = await channel.readOne(t);
      if (reply.code === 334) {
        channel.write(`${b64(user)}\r\n`, '**** (user)');
        reply = await channel.readOne(t);
      }
      if (reply.code === 334) {
        channel.write(`${b64(pass)}\r\n`, '**** (password)');
        reply = await channel.readOne(t);
      }
    } else {
      throw new SmtpDeliveryError(
        'auth',
        null,
        'SMTP server offers no supported AUTH mechanism (PLAIN, LOGIN) for the configured credentials',
        false,
        'auth',
      );
    }
    if (reply.code !== 235) {
      throw reply.code >= 500
        ? replyError('auth', reply)
        : new SmtpDeliveryError(
            reply.code >= 400 ? 'deferred' : 'auth',
            reply.code,
            `SMTP server did not accept the credentials (${reply.code})`,
            reply.code >= 400,
            'auth',
          );
    }
  }

  /** Ends a failed transaction so the connection can carry the next one. */
  async reset(): Promise<boolean> {
    if (this.closed || this.broken) return false;
    try {
      this.channel.write('RSET\r\n');
      const reply = await this.channel.readOne(this.options.commandTimeoutMs);
      return reply.code === 250;
    } catch {
      return false;
    }
  }

  /** Polite goodbye, bounded; the socket is destroyed either way. */
  async quit(timeoutMs = 1000): Promise<void> {
    if (!this.closed) {
      this.channel.write('QUIT\r\n');
      await this.channel
        .readOne(Math.min(timeoutMs, this.options.commandTimeoutMs))
        .catch(() => undefined);
    }
    this.channel.destroy();
  }

  destroy(): void {
    this.channel.destroy();
  }
}
