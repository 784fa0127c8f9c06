import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { ingressConfig, type IngressConfig } from '../../config/ingress.config';
import { BounceReceiver } from '../bounce/bounce-receiver';
import { IngressMetrics } from '../metrics/ingress-metrics';
import { ConnectionGate } from './connection-gate';
import { SessionRules } from './session-rules';
import { refusalFor, smtpReply, type SmtpReplyError } from './smtp-reply';
import { Submission } from './submission';

type DataCallback = (err?: Error | null, message?: string) => void;

/**
 * The SMTP listener (SMTP_INGRESS_PORT; off when unset): submission for tools that cannot
 * call the REST API, and the return path for bounces. Opens after the app is up, closes
 * before the queue drains on shutdown, so nothing is accepted that cannot be stored.
 */
@Injectable()
export class SmtpIngressServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SmtpIngress');
  private server?: SMTPServer;
  private boundPort?: number;
  private readonly gate: ConnectionGate;

  constructor(
    @Inject(ingressConfig.KEY) private readonly config: IngressConfig,
    private readonly rules: SessionRules,
    private readonly submission: Submission,
    private readonly bounces: BounceReceiver,
    private readonly metrics: IngressMetrics,
  ) {
    this.gate = new ConnectionGate(config.maxConnections, config.maxConnectionsPerIp);
  }

  /** The port listened on (useful with SMTP_INGRESS_PORT=0), or undefined when off. */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.port === undefined) return;
    const server = this.create();
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    // A failing connection (reset, bad TLS hello) is the peer's problem: log, keep serving.
    server.on('error', (err: Error) =>
      this.logger.warn({ msg: 'smtp connection error', error: err.message }),
    );
    this.boundPort = (server.server.address() as AddressInfo).port;
    const tls = this.config.tls
      ? this.config.implicitTls
        ? 'implicit TLS'
        : 'STARTTLS'
      : 'no TLS';
    this.logger.log(`SMTP listener on port ${this.boundPort} (${tls})`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private create(): SMTPServer {
    const { config } = this;
    return new SMTPServer({
      name: config.hostname,
      banner: 'mailwatch ESMTP',
      secure: config.implicitTls,
      key: config.tls?.key,
      cert: config.tls?.cert,
      disabledCommands: config.tls ? [] : ['STARTTLS'],
      authMethods: ['PLAIN', 'LOGIN'],
      // AUTH is required per recipient (SessionRules): bounces arrive without it.
      authOptional: true,
      allowInsecureAuth: config.allowInsecureAuth,
      size: config.maxMessageBytes,
      // A backstop above ConnectionGate's limit (it also bounds TLS handshakes in progress).
      maxClients: config.maxConnections * 2,
      socketTimeout: config.socketTimeoutMs,
      closeTimeout: Math.min(config.socketTimeoutMs, 30_000),
      disableReverseLookup: true,
      // Our replies carry their own RFC 3463 codes (smtp-server's table maps 550 to 5.1.1).
      hideENHANCEDSTATUSCODES: true,
      hideDSN: true,
      logger: false,
      onConnect: (session, callback) => callback(this.admit(session)),
      onClose: (session) => this.gate.release(session.id, session.remoteAddress),
      onAuth: (auth, _session, callback) => {
        const result = this.rules.authenticate(auth);
        if (result instanceof Error) callback(result);
        else callback(null, result);
      },
      onMailFrom: (address, session, callback) => callback(this.rules.mailFrom(address, session)),
      onRcptTo: (address, session, callback) => callback(this.rules.rcptTo(address, session)),
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
  }

  /** 421 (RFC 5321 §3.8: the client retries later) past the connection limits. */
  private admit(session: SMTPServerSession): SmtpReplyError | undefined {
    const refused = this.gate.admit(session.id, session.remoteAddress);
    if (refused === undefined) return undefined;
    this.metrics.connectionRefused(refused);
    this.logger.warn({
      msg: 'smtp connection refused',
      reason: refused,
      remote: session.remoteAddress,
    });
    return refused === 'max_per_ip'
      ? smtpReply(
          421,
          '4.7.0',
          `too many connections from your address (at most ${this.config.maxConnectionsPerIp}); try again later`,
        )
      : smtpReply(
          421,
          '4.7.0',
          `too many connections (at most ${this.config.maxConnections}); try again later`,
        );
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    done: DataCallback,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      // Past the limit smtp-server keeps reading (to find the end) but we keep nothing.
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('error', () => done(smtpReply(451, '4.3.0', 'message could not be read')));
    stream.once('end', () => {
      if (stream.sizeExceeded) {
        if (!this.rules.isBounce(session))
          this.metrics.submission(this.rules.clientOf(session), 'refused_size');
        done(smtpReply(552, '5.3.4', `message exceeds ${this.config.maxMessageBytes} octets`));
        return;
      }
      const raw = Buffer.concat(chunks);
      const work = this.rules.isBounce(session)
        ? this.bounces.receive(
            raw,
            session.envelope.rcptTo.map((r) => r.address),
          )
        : this.submission.accept(raw, session, this.rules.clientOf(session));
      work.then(
        (text) => done(null, text),
        (err: unknown) =>
          done(err instanceof Error && 'responseCode' in err ? err : refusalFor(err).reply),
      );
    });
  }
}
