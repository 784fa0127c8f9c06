import { createServer, type AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: Buffer;
  envelope: { from: string; to: string[] };
}

type Fault =
  { kind: 'reply'; code: number; message: string } | { kind: 'drop' } | { kind: 'stall' };

export interface TestSmtpOptions {
  port?: number;
  auth?: { user: string; pass: string };
  /** TLS with this key and certificate: implicit (smtps) or offered through STARTTLS. */
  tls?: { key: Buffer; cert: Buffer; implicit: boolean };
}

/** A free loopback port, released again (for "server comes up later" tests). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A real SMTP server on loopback (smtp-server), recording what arrives (parsed with
 * mailparser) and misbehaving on demand: 4xx/5xx replies, dropped connections, stalls.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Faults applied to the next messages' DATA phase, in order. */
  private readonly faults: Fault[] = [];
  private stallAll = false;
  private stalled: Array<() => void> = [];
  private waiters: Array<() => void> = [];
  dataAttempts = 0;
  /** Called with the client's port for every connection, to tie it to a client socket. */
  onConnection?: (remotePort: number) => void;
  /** Called when a session runs over TLS (implicit or after STARTTLS). */
  onSecure?: () => void;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    private readonly options: TestSmtpOptions,
  ) {}

  static async start(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
    // onData needs the instance, which needs the listening server: resolve it late.
    const self: { instance?: TestSmtpServer } = {};
    const server = new SMTPServer({
      secure: options.tls?.implicit ?? false,
      key: options.tls?.key,
      cert: options.tls?.cert,
      disabledCommands: [...(options.tls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
      allowInsecureAuth: true,
      authOptional: !options.auth,
      logger: false,
      size: 50 * 1024 * 1024,
      onAuth: (auth, _session, callback) => {
        if (auth.username === options.auth?.user && auth.password === options.auth?.pass) {
          callback(null, { user: auth.username });
        } else {
          callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
        }
      },
      onData: (stream, session, callback) => self.instance!.onData(stream, session, callback),
      onSecure: (_socket, _session, callback) => {
        self.instance?.onSecure?.();
        callback();
      },
      onConnect: (session, callback) => {
        self.instance?.onConnection?.(session.remotePort);
        callback();
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        resolve((server.server.address() as AddressInfo).port);
      });
    });
    server.on('error', () => undefined);
    self.instance = new TestSmtpServer(server, port, options);
    return self.instance;
  }

  get url(): string {
    const auth = this.options.auth
      ? `${encodeURIComponent(this.options.auth.user)}:${encodeURIComponent(this.options.auth.pass)}@`
      : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** The next `times` messages get this SMTP reply instead of 250. */
  failNext(code: number, message: string, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ kind: 'reply', code, message });
  }

  /** The next `times` messages see the connection dropped during DATA. */
  dropNext(times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ kind: 'drop' });
  }

  /** Messages whose DATA is held unanswered by `stall(true)`. */
  get held(): number {
    return this.stalled.length;
  }

  /** While on, DATA is not answered; turning it off answers the held messages normally. */
  stall(on: boolean): void {
    this.stallAll = on;
    if (!on) {
      const held = this.stalled;
      this.stalled = [];
      held.forEach((resume) => resume());
    }
  }

  async waitForMessages(count: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `expected ${count} messages, got ${this.received.length} in ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  async stop(): Promise<void> {
    this.stallAll = false;
    this.stalled = [];
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    this.dataAttempts++;
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const fault = this.stallAll ? ({ kind: 'stall' } as const) : this.faults.shift();
      if (fault?.kind === 'stall') {
        this.stalled.push(() => this.accept(Buffer.concat(chunks), session, callback));
        return;
      }
      if (fault?.kind === 'drop') {
        // The session has no socket handle; find its connection and cut it without a reply.
        const connections = (
          this.server as unknown as {
            connections: Set<{ session?: { id: string }; _socket: { destroy(): void } }>;
          }
        ).connections;
        for (const connection of connections) {
          if (connection.session?.id === session.id) connection._socket.destroy();
        }
        return;
      }
      if (fault?.kind === 'reply') {
        callback(Object.assign(new Error(fault.message), { responseCode: fault.code }));
        return;
      }
      this.accept(Buffer.concat(chunks), session, callback);
    });
  }

  private accept(
    raw: Buffer,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const envelope = {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((r) => r.address),
    };
    simpleParser(raw).then(
      (parsed) => {
        this.received.push({ parsed, raw, envelope });
        const waiters = this.waiters;
        this.waiters = [];
        waiters.forEach((wake) => wake());
        callback();
      },
      (err: Error) => callback(err),
    );
  }
}
