import type { AddressInfo, Socket } from 'node:net';
import {
  SMTPServer,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';

export interface Reply {
  code: number;
  message: string;
}

/** What happens at the end of DATA for one message. */
export type DataFault = Reply | 'drop' | 'stall';

export interface ScriptedSmtpOptions {
  port?: number;
  pipelining?: boolean;
  auth?: { user: string; pass: string; methods?: string[] };
  tls?: { key: Buffer; cert: Buffer; implicit: boolean };
  size?: number;
  eightBitMime?: boolean;
  smtpUtf8?: boolean;
  /** Idle time after which the server says `421` and hangs up (smtp-server's own timeout). */
  socketTimeoutMs?: number;
  /** Connections over this are greeted with `421` (smtp-server's own limit). */
  maxClients?: number;
}

export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

const replyError = (r: Reply) => Object.assign(new Error(r.message), { responseCode: r.code });

/**
 * A real SMTP server (smtp-server) on loopback whose every stage can be told to misbehave:
 * greeting refused or withheld, MAIL/RCPT answered per address, DATA answered, dropped or
 * stalled. It records what it received and the raw chunks each connection read, which
 * shows whether a client pipelined.
 */
export class ScriptedSmtpServer {
  readonly received: Received[] = [];
  /** Whether each MAIL FROM arrived over TLS. */
  readonly mailOverTls: boolean[] = [];
  /** Every chunk each connection received, in order (plain-text servers only). */
  readonly chunks: string[][] = [];
  connections = 0;
  /** Most connections open at once. */
  peakConnections = 0;
  /** Greeting: undefined = 220, a reply = refuse with it, 'stall' = never greet. */
  greeting: Reply | 'stall' | undefined;
  /** Added to smtp-server's own 100 ms before the greeting (a relay that greets slowly). */
  greetingDelayMs = 0;
  /** 'stall' never answers MAIL FROM (a hung relay). */
  onMail?: (address: string) => Reply | 'stall' | undefined;
  onRcpt?: (address: string) => Reply | undefined;
  readonly dataFaults: DataFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held: Array<() => void> = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: ScriptedSmtpOptions = {}): Promise<ScriptedSmtpServer> {
    const self: { s?: ScriptedSmtpServer } = {};
    const config: SMTPServerOptions & Record<string, unknown> = {
      secure: options.tls?.implicit ?? false,
      key: options.tls?.key,
      cert: options.tls?.cert,
      hidePIPELINING: options.pipelining === false,
      hide8BITMIME: options.eightBitMime === false,
      hideSMTPUTF8: options.smtpUtf8 === false,
      size: options.size,
      socketTimeout: options.socketTimeoutMs,
      maxClients: options.maxClients,
      disabledCommands: [...(options.tls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
      authMethods: options.auth?.methods ?? ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      authOptional: !options.auth,
      logger: false,
      onConnect: (_session, callback) => self.s!.connect(callback),
      onAuth: (auth, _session, callback) =>
        auth.username === options.auth?.user && auth.password === options.auth?.pass
          ? callback(null, { user: auth.username })
          : callback(replyError({ code: 535, message: 'Authentication failed' })),
      onMailFrom: (address, session, callback) => {
        self.s!.mailOverTls.push(session.secure);
        const r = self.s!.onMail?.(address.address);
        if (r === 'stall') return void self.s!.held.push(() => callback());
        callback(r ? replyError(r) : undefined);
      },
      onRcptTo: (address, _session, callback) => {
        const r = self.s!.onRcpt?.(address.address);
        callback(r ? replyError(r) : undefined);
      },
      onData: (stream, session, callback) => self.s!.data(stream, session, callback),
    };
    const server = new SMTPServer(config);
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () =>
        resolve((server.server.address() as AddressInfo).port),
      );
    });
    server.on('error', () => undefined);
    const s = new ScriptedSmtpServer(server, port);
    self.s = s;
    // Only plain servers are tapped (TLS reads its socket itself). With implicit TLS the raw
    // socket must not be touched at all: a listener on it segfaulted Node 20 and 24 here when
    // the client refused the certificate; the TLS socket is tracked instead.
    const event = options.tls?.implicit ? 'secureConnection' : 'connection';
    server.server.on(event, (socket: Socket) => s.track(socket, !options.tls));
    return s;
  }

  /** Cuts every open connection without a word (a crashed relay). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Lets withheld greetings and stalled DATA replies go. */
  release(): void {
    this.held.splice(0).forEach((go) => go());
  }

  async waitFor(count: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} messages, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  async stop(): Promise<void> {
    this.release();
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket, tap: boolean): void {
    this.sockets.add(socket);
    this.peakConnections = Math.max(this.peakConnections, this.sockets.size);
    socket.on('close', () => this.sockets.delete(socket));
    if (!tap) return;
    const mine: string[] = [];
    this.chunks.push(mine);
    socket.on('data', (chunk: Buffer) => mine.push(chunk.toString('latin1')));
  }

  private connect(callback: (err?: Error) => void): void {
    this.connections++;
    const g = this.greeting;
    if (g === 'stall') this.held.push(() => callback());
    else if (this.greetingDelayMs > 0)
      setTimeout(() => callback(g ? replyError(g) : undefined), this.greetingDelayMs);
    else callback(g ? replyError(g) : undefined);
  }

  private data(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => {
      const fault = this.dataFaults.shift();
      if (fault === 'drop') return this.dropSession(session);
      if (fault === 'stall') return void this.held.push(() => callback());
      if (fault) return callback(replyError(fault));
      this.received.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(parts),
      });
      this.waiters.splice(0).forEach((w) => w());
      callback();
    });
  }

  private dropSession(session: SMTPServerSession): void {
    const connections = (
      this.server as unknown as { connections: Set<{ session?: { id: string }; _socket: Socket }> }
    ).connections;
    for (const c of connections) if (c.session?.id === session.id) c._socket.destroy();
  }
}
