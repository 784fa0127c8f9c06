import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ReplyParser, type SmtpReply } from './smtp-reply';
import type { SmtpEngineOptions } from './smtp-options';
import { ConversationLog } from './smtp-conversation-log';
import { holdPayload } from './payload-pool';

/** Why a read did not produce a reply; the session turns it into a classified error. */
export class ChannelFault extends Error {
  constructor(
    readonly kind: 'closed' | 'timeout' | 'garbage' | 'tls',
    /** Replies that did arrive for this read, e.g. the 421 a server sends before it hangs up. */
    readonly partial: SmtpReply[] = [],
  ) {
    super(`SMTP channel ${kind}`);
  }
}

interface Waiter {
  count: number;
  replies: SmtpReply[];
  timeoutMs: number;
  resolve(replies: SmtpReply[]): void;
  reject(fault: ChannelFault): void;
}

type TlsOptions = Pick<SmtpEngineOptions, 'host' | 'tls'>;

function tlsParams(options: TlsOptions) {
  const servername = options.tls.servername ?? (isIP(options.host) ? undefined : options.host);
  return { ca: options.tls.ca, rejectUnauthorized: options.tls.rejectUnauthorized, servername };
}

/**
 * One socket to the relay and the replies coming back on it, in order. Waiters are served
 * FIFO, which is what lets a pipelined batch wait for all its replies at once. One timer per
 * channel (refreshed on every reply) bounds how long the head waiter waits.
 */
export class SmtpChannel {
  private socket: Socket | TLSSocket;
  private parser!: ReplyParser;
  private readonly waiters: Waiter[] = [];
  private unsent: Array<string | Buffer> | undefined;
  /** Lets go of the pooled payloads among `unsent` once the socket is done with them. */
  private unsentHolds: Array<() => void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  closed = false;
  secure: boolean;
  /** A reply nobody asked for (e.g. 421 on an idle connection). */
  onUnsolicited?: (reply: SmtpReply) => void;
  onClose?: () => void;
  /** SMTP_DEBUG: the conversation at debug level, never secrets (smtp-conversation-log.ts). */
  private readonly log?: ConversationLog;

  private constructor(socket: Socket | TLSSocket, secure: boolean, options: SmtpEngineOptions) {
    this.socket = socket;
    this.secure = secure;
    if (options.conversationLog) this.log = new ConversationLog(options.relayName ?? 'primary');
    this.log?.event(secure ? 'connected (TLS)' : 'connected');
    this.attach(socket);
  }

  /** Connects (and for implicit TLS, handshakes) within the connect timeout. */
  static open(options: SmtpEngineOptions): Promise<SmtpChannel> {
    return new Promise((resolve, reject) => {
      const socket = options.secure
        ? tlsConnect({ host: options.host, port: options.port, ...tlsParams(options) })
        : tcpConnect({ host: options.host, port: options.port });
      const timer = setTimeout(() => fail(new ChannelFault('timeout')), options.connectTimeoutMs);
      const onError = (err: NodeJS.ErrnoException) =>
        fail(new ChannelFault(isTlsError(err) ? 'tls' : 'closed'));
      const fail = (fault: ChannelFault) => {
        clearTimeout(timer);
        socket.destroy();
        reject(fault);
      };
      socket.once('error', onError);
      socket.once(options.secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        resolve(new SmtpChannel(socket, options.secure, options));
      });
    });
  }

  /**
   * Queues data for the socket; everything written in the same synchronous run goes out in
   * one socket write (a message and the next transaction's envelope share one syscall, which
   * is most of the per-message cost on a busy connection).
   */
  write(data: string | Buffer, shown?: string): void {
    if (this.closed) return;
    const hold = holdPayload(data);
    // A payload whose send already ended may be another message's by now: never written,
    // and the connection, left waiting for a body, is closed.
    if (hold === false) return this.destroy();
    this.log?.sent(data, shown);
    if (hold) (this.unsentHolds ??= []).push(hold);
    if (this.unsent) return void this.unsent.push(data);
    this.unsent = [data];
    queueMicrotask(() => this.flush());
  }

  /** The next `count` replies, or a fault if the channel closes or stalls first. */
  read(count: number, timeoutMs: number): Promise<SmtpReply[]> {
    if (this.closed) return Promise.reject(new ChannelFault('closed'));
    return new Promise((resolve, reject) => {
      this.waiters.push({ count, replies: [], timeoutMs, resolve, reject });
      if (this.waiters.length === 1) this.arm(timeoutMs);
    });
  }

  async readOne(timeoutMs: number): Promise<SmtpReply> {
    return (await this.read(1, timeoutMs))[0];
  }

  /** STARTTLS: wraps the open socket; the server's certificate is verified as for smtps. */
  upgrade(options: SmtpEngineOptions): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    return new Promise((resolve, reject) => {
      // `host` too: without it Node checks the certificate against "localhost".
      const secure = tlsConnect({ socket: plain, host: options.host, ...tlsParams(options) });
      const timer = setTimeout(() => fail(new ChannelFault('timeout')), options.connectTimeoutMs);
      const fail = (fault: ChannelFault) => {
        clearTimeout(timer);
        secure.destroy();
        this.shutdown();
        reject(fault);
      };
      secure.once('error', (err: NodeJS.ErrnoException) =>
        fail(new ChannelFault(isTlsError(err) ? 'tls' : 'closed')),
      );
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        secure.removeAllListeners('error');
        this.socket = secure;
        this.secure = true;
        this.log?.event('TLS started');
        this.attach(secure);
        resolve();
      });
    });
  }

  private flush(): void {
    const parts = this.unsent;
    const holds = this.unsentHolds;
    this.unsent = this.unsentHolds = undefined;
    // The socket calls back once it no longer needs the octets: written, failed or destroyed.
    const done = holds && (() => holds.forEach((letGo) => letGo()));
    if (!parts || this.closed) return done?.();
    if (parts.length === 1) return void this.socket.write(parts[0], done);
    // Commands are UTF-8 (SMTPUTF8 addresses); a composed message is already octets. Corked,
    // the parts leave in one writev: a message is not copied into a concatenation.
    if (parts.every((p) => typeof p === 'string')) return void this.socket.write(parts.join(''));
    this.socket.cork();
    parts.forEach((part, i) => this.socket.write(part, i === parts.length - 1 ? done : undefined));
    this.socket.uncork();
  }

  /**
   * Ends the connection now; pending reads fail as `closed`. What was written just before
   * still goes out first, as an unbuffered write would have (e.g. a QUIT right before).
   */
  destroy(): void {
    this.flush();
    this.socket.destroy();
    this.shutdown();
  }

  private attach(socket: Socket | TLSSocket): void {
    this.parser = new ReplyParser(
      (reply) => this.deliver(reply),
      () => this.fault(new ChannelFault('garbage')),
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.parser.push(chunk));
    socket.on('error', () => undefined); // 'close' follows and does the work
    socket.on('close', () => this.shutdown());
  }

  private deliver(reply: SmtpReply): void {
    this.log?.received(reply);
    const head = this.waiters[0];
    if (!head) {
      this.onUnsolicited?.(reply);
      return;
    }
    head.replies.push(reply);
    if (head.replies.length < head.count) {
      this.timer?.refresh();
      return;
    }
    this.waiters.shift();
    if (this.waiters.length > 0) this.arm(this.waiters[0].timeoutMs);
    else this.disarm();
    head.resolve(head.replies);
  }

  private arm(timeoutMs: number): void {
    this.disarm();
    this.timer = setTimeout(() => this.fault(new ChannelFault('timeout')), timeoutMs);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The conversation is out of step: nothing more can be read reliably. */
  private fault(fault: ChannelFault): void {
    this.socket.destroy();
    this.shutdown(fault);
  }

  private shutdown(fault = new ChannelFault('closed')): void {
    this.disarm();
    const waiters = this.waiters.splice(0);
    waiters.forEach((w) =>
      w.reject(w.replies.length > 0 ? new ChannelFault(fault.kind, w.replies) : fault),
    );
    if (this.closed) return;
    this.closed = true;
    this.log?.event(`closed${fault.kind === 'closed' ? '' : ` (${fault.kind})`}`);
    this.onClose?.();
  }
}

function isTlsError(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return (
    /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME/i.test(code) ||
    /SSL|TLS|certificate/i.test(err.message)
  );
}
