import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** webhook-ids in the order they were first accepted. */
  readonly order: string[] = [];
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
      const id = String(req.headers['webhook-id']);
      if (!this.events.has(id)) this.order.push(id);
      this.events.set(id, {
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

/** A WEBHOOKS_FILE with one endpoint of `billing` at the receiver's port (both secrets). */
export function webhooksFileFor(port: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mailwatch-webhooks-')), 'webhooks.json');
  writeFileSync(
    file,
    JSON.stringify([
      {
        client: 'billing',
        url: `http://127.0.0.1:${port}/hooks`,
        secrets: [OLD_SECRET, NEW_SECRET],
      },
    ]),
  );
  return file;
}
