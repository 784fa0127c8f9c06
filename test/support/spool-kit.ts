import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMailConfig, type MailConfig } from '../../src/config/mail.config';
import { parseSecurityConfig } from '../../src/config/security.config';
import { Deliverer } from '../../src/mail/delivery/deliverer';
import { DeliveryError } from '../../src/mail/delivery/delivery-error';
import type { SettledEmail } from '../../src/mail/delivery/settled-email';
import {
  SpoolDeliveryQueue,
  type SpoolSettings,
} from '../../src/mail/delivery/drivers/spool/spool-delivery-queue';
import type {
  MailTransport,
  OutgoingEmail,
  TransportReceipt,
} from '../../src/mail/transport/mail-transport';
import type { EmailMetrics } from '../../src/mail/metrics/email-metrics';

/** What the scripted relay does with one attempt. */
export type Reply = 'accept' | 'defer' | 'reject' | 'stall';

/**
 * A relay whose answers a test scripts per attempt: accept (250), defer (451), reject (550)
 * or stall (never answers until released). Records every accepted email id.
 */
export class ScriptedRelay implements MailTransport {
  readonly kind = 'smtp' as const;
  readonly target = 'scripted relay';
  readonly accepted: string[] = [];
  private stalled: Array<() => void> = [];

  constructor(public reply: (id: string, attempt: number) => Reply = () => 'accept') {}

  private attempts = new Map<string, number>();

  send(_email: OutgoingEmail, id: string): Promise<TransportReceipt> {
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, attempt);
    const answer = this.reply(id, attempt);
    if (answer === 'stall') {
      return new Promise((_, reject) =>
        this.stalled.push(() =>
          reject(new DeliveryError('connection', 'could not reach the SMTP server', true)),
        ),
      );
    }
    if (answer === 'accept') {
      this.accepted.push(id);
      return Promise.resolve({ messageId: `<${id}@relay>`, response: '250 OK' });
    }
    return Promise.reject(
      answer === 'defer'
        ? new DeliveryError('deferred', 'SMTP server deferred the message: 451', true, 451)
        : new DeliveryError('rejected', 'SMTP server rejected the message: 550', false, 550),
    );
  }

  /** Stalled sends fail with a connection reset (as when the relay is killed). */
  releaseStalled(): void {
    const stalled = this.stalled;
    this.stalled = [];
    stalled.forEach((fail) => fail());
  }

  get stalledCount(): number {
    return this.stalled.length;
  }

  verify(): Promise<void> {
    return Promise.resolve();
  }

  /** Relay availability as the SMTP engine reports it; `setUp(true)` wakes the queue. */
  private up = true;
  private readonly listeners = new Set<() => void>();
  readonly availability = {
    available: () => this.up,
    onAvailable: (listener: () => void) => {
      this.listeners.add(listener);
      return () => void this.listeners.delete(listener);
    },
  };

  setUp(up: boolean): void {
    this.up = up;
    if (up) [...this.listeners].forEach((listener) => listener());
  }

  /** Attempts the relay was asked for, all emails together. */
  get attemptCount(): number {
    return [...this.attempts.values()].reduce((sum, n) => sum + n, 0);
  }
}

export function testMailConfig(overrides: Partial<MailConfig> = {}): MailConfig {
  return {
    // Every field the parser defaults (new ones included), then the test's small numbers.
    ...parseMailConfig({ NODE_ENV: 'test' }),
    smtp: undefined,
    outboxDir: '',
    mailFrom: 'mailwatch@localhost',
    sendWaitMs: 0,
    maxAttempts: 3,
    retryBaseMs: 20,
    retryMaxMs: 40,
    queueCapacity: 1000,
    concurrency: 4,
    smtpPoolSize: 1,
    smtpTimeoutMs: 1000,
    retentionMs: 3_600_000,
    retentionMax: 10_000,
    ...overrides,
  };
}

/** EmailMetrics that records final outcomes, so a test can assert "counted exactly once". */
export function recordingMetrics(): { metrics: EmailMetrics; settled: SettledEmail[] } {
  const settled: SettledEmail[] = [];
  const metrics = {
    settled: (outcome: SettledEmail) => settled.push(outcome),
    attempt: () => undefined,
    retry: () => undefined,
  } as unknown as EmailMetrics;
  return { metrics, settled };
}

export interface SpoolRig {
  queue: SpoolDeliveryQueue;
  relay: ScriptedRelay;
  settled: SettledEmail[];
}

/** A started spool queue on `path` with a scripted relay. */
export function startSpool(
  path: string,
  relay = new ScriptedRelay(),
  config: Partial<MailConfig> = {},
  settings: Partial<SpoolSettings> = {},
): SpoolRig {
  const mail = testMailConfig(config);
  const { metrics, settled } = recordingMetrics();
  const deliverer = new Deliverer(relay, metrics, mail, parseSecurityConfig({}));
  const queue = new SpoolDeliveryQueue(deliverer, mail, {
    path,
    synchronous: 'full',
    idempotencyTtlMs: 60_000,
    closeGraceMs: 200,
    ...settings,
  });
  queue.onModuleInit();
  return { queue, relay, settled };
}

export const sampleEmail = (subject = 'Hello'): OutgoingEmail => ({
  from: 'app@example.com',
  to: ['user@example.com'],
  subject,
  text: 'Hi there',
});

/** The email id a message carries (X-Mailwatch-Id), as the relay received it. */
export function emailIdOf(mail: { parsed: { headers: Map<string, unknown> } }): string {
  const value = mail.parsed.headers.get('x-mailwatch-id');
  return typeof value === 'string' ? value : '';
}

/** A fresh temp directory, removed by the returned function. */
export function tempDir(prefix = 'spool-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
