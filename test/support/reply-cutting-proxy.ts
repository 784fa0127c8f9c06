import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './smtp-server';

/**
 * A TCP relay in front of a real Redis that can lose one reply: once armed with a marker,
 * the connection whose command carries it is cut (both sides) as soon as Redis answers, so
 * the command ran but its client never hears back — what a Redis killed between writing its
 * append-only file and replying, or a network cut, does. Everything else passes through.
 */
export class ReplyCuttingProxy {
  private server?: Server;
  private marker?: string;
  private downMs = 0;
  private downUntil = 0;
  /** The text of the command that carried the marker, once it went to Redis. */
  cutCommand?: string;
  port = 0;

  constructor(private readonly upstreamPort: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /**
   * The next command containing `marker` runs on Redis; its connection is cut at the reply,
   * and for `downMs` after that new connections are dropped at once (Redis "restarting").
   */
  arm(marker: string, downMs = 0): void {
    this.marker = marker;
    this.downMs = downMs;
    this.cutCommand = undefined;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private relay(client: Socket): void {
    if (Date.now() < this.downUntil) {
      client.destroy();
      return;
    }
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    let cutAtReply = false;
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (this.marker !== undefined && text.includes(this.marker)) {
        this.marker = undefined;
        this.cutCommand = text;
        cutAtReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (cutAtReply) {
        this.downUntil = Date.now() + this.downMs;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }
}
