import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

export const OLD_SECRET = `whsec_${Buffer.from('o'.repeat(32)).toString('base64')}`;
export const NEW_SECRET = `whsec_${Buffer.from('n'.repeat(32)).toString('base64')}`;

export interface Received {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * A real HTTP receiver on loopback that verifies every request with the `standardwebhooks`
 * package (the published algorithm, not our code) against the *new* secret only, answers
 * as told, and dedupes by webhook-id.
 */
export class WebhookReceiver {
  readonly events = new Map<string, Received>();
  deliveries = 0;
  failing = 0;
  badSignatures = 0;
  private server?: Server;
  private readonly verifier = new Webhook(NEW_SECRET);

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.server = createServer(
      (req, res) => void this.handle(req).then((code) => res.writeHead(code).end()),
    );
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.server = undefined;
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    this.deliveries++;
    if (this.failing > 0) {
      this.failing--;
      return 500;
    }
    try {
      const payload = this.verifier.verify(body, req.headers as Record<string, string>) as Received;
      this.events.set(String(req.headers['webhook-id']), {
        ...payload,
        id: String(req.headers['webhook-id']),
      });
      return 204;
    } catch {
      this.badSignatures++;
      return 400;
    }
  }

  byType(type: string): Received[] {
    return [...this.events.values()].filter((e) => e.type === type);
  }
}
