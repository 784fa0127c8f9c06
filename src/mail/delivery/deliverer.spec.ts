import { Logger } from '@nestjs/common';
import { parseMailConfig } from '../../config/mail.config';
import { parseSecurityConfig } from '../../config/security.config';
import type { EmailMetrics } from '../metrics/email-metrics';
import type { MailTransport, OutgoingEmail } from '../transport/mail-transport';
import { Deliverer } from './deliverer';
import { DeliveryError } from './delivery-error';

const EMAIL: OutgoingEmail = { from: 'a@example.com', to: ['b@example.com'], subject: 's' };

class FakeMetrics {
  readonly calls: Array<[string, unknown]> = [];
  attempt(result: string) {
    this.calls.push(['attempt', result]);
  }
  retry(reason: string) {
    this.calls.push(['retry', reason]);
  }
  settled(outcome: unknown) {
    this.calls.push(['settled', outcome]);
  }
}

function build(send: MailTransport['send'], env: Record<string, string> = {}) {
  const transport: MailTransport = {
    kind: 'fake',
    target: 'nowhere',
    send,
    verify: () => Promise.resolve(),
  };
  const metrics = new FakeMetrics();
  const sut = new Deliverer(
    transport,
    metrics as unknown as EmailMetrics,
    parseMailConfig({ MAX_ATTEMPTS: '3', RETRY_BASE_MS: '1000', RETRY_MAX_MS: '8000', ...env }),
    parseSecurityConfig(env),
  );
  return { sut, metrics };
}

describe(Deliverer.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('reports a sent email with the transport receipt', async () => {
    const { sut, metrics } = build(() => Promise.resolve({ messageId: '<m@x>' }));

    expect(await sut.attempt(EMAIL, 'id-1', 1)).toEqual({
      kind: 'sent',
      receipt: { messageId: '<m@x>' },
    });
    expect(metrics.calls).toEqual([['attempt', 'success']]);
  });

  it('retries a classified transient failure with backoff while attempts remain', async () => {
    const error = new DeliveryError('deferred', 'deferred: 451', true, 451);
    const { sut, metrics } = build(() => Promise.reject(error));

    const outcome = await sut.attempt(EMAIL, 'id-1', 2);

    expect(outcome).toMatchObject({ kind: 'retry', error: error.toInfo() });
    // Second retry: between half and all of base·2 = 2000 ms.
    const delayMs = (outcome as { delayMs: number }).delayMs;
    expect(delayMs).toBeGreaterThanOrEqual(1000);
    expect(delayMs).toBeLessThanOrEqual(2000);
    expect(metrics.calls).toEqual([
      ['attempt', 'transient'],
      ['retry', 'deferred'],
    ]);
  });

  it('fails a transient failure for good on the last attempt', async () => {
    const { sut, metrics } = build(() =>
      Promise.reject(new DeliveryError('timeout', 'no answer', true)),
    );

    expect(await sut.attempt(EMAIL, 'id-1', 3)).toMatchObject({
      kind: 'failed',
      error: { code: 'timeout' },
    });
    expect(metrics.calls).toEqual([['attempt', 'transient']]);
  });

  it('fails a permanent failure at once', async () => {
    const { sut, metrics } = build(() =>
      Promise.reject(new DeliveryError('rejected', 'no such user', false, 550)),
    );

    expect(await sut.attempt(EMAIL, 'id-1', 1)).toMatchObject({
      kind: 'failed',
      error: { code: 'rejected', smtpCode: 550, retryable: false },
    });
    expect(metrics.calls).toEqual([['attempt', 'permanent']]);
  });

  it('treats anything but a DeliveryError as unknown and retryable, without its text', async () => {
    const { sut } = build(() =>
      Promise.reject(new Error('connect ECONNREFUSED relay.internal:25')),
    );

    expect(await sut.attempt(EMAIL, 'id-1', 1)).toMatchObject({
      kind: 'retry',
      error: { code: 'unknown', smtpCode: null, message: 'delivery failed', retryable: true },
    });
  });

  it('records a settled email in the metrics and logs it with addresses redacted', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { sut, metrics } = build(() => Promise.resolve({ messageId: '<m@x>' }));
    const outcome = {
      id: 'id-1',
      client: 'billing',
      status: 'failed' as const,
      durationSeconds: 1.23456,
      attempts: 1,
      meta: { requestId: 'req-1' },
      error: {
        code: 'rejected' as const,
        smtpCode: 550,
        message: '550 <jane@example.com>: no such user',
        retryable: false,
      },
    };

    sut.settled(outcome);

    expect(metrics.calls).toEqual([['settled', outcome]]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        msg: 'email failed',
        requestId: 'req-1',
        durationSeconds: 1.235,
        error: '550 <[redacted]>: no such user',
      }),
    );
    warn.mockRestore();
  });
});
