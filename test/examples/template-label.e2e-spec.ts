import { EmailMetrics } from '../../src/mail/metrics/email-metrics';
import type { SettledEmail } from '../../src/mail/delivery/settled-email';
import { deletePrefix, uniquePrefix } from '../support/redis';
import { useSmtpApp } from '../support/smtp-app';
import { postJson } from '../support/test-app';

/**
 * docs/extending.md §3: a new label needs a value MailService puts into the email's
 * metadata and EmailMetrics reading it back. This pins the part every driver must honour:
 * what MailService sets when it enqueues comes back, unchanged, when the email settles.
 */
describe.each(['memory', 'redis'] as const)('email metadata with the %s driver', (driver) => {
  const prefix = uniquePrefix('meta');
  const fx = useSmtpApp({ QUEUE_DRIVER: driver, REDIS_PREFIX: prefix, SEND_WAIT_MS: '5000' });
  afterAll(async () => {
    if (driver === 'redis') await deletePrefix(prefix);
  });

  it('hands MailService’s metadata (the template name) back to EmailMetrics on settle', async () => {
    const settled: SettledEmail[] = [];
    const metrics = fx.app.app.get(EmailMetrics);
    const original = metrics.settled.bind(metrics);
    jest.spyOn(metrics, 'settled').mockImplementation((outcome) => {
      settled.push(outcome);
      original(outcome);
    });

    const res = await postJson(
      `${fx.app.url}/send-email`,
      {
        to: 'ada@example.com',
        subject: 'Welcome',
        template: 'welcome',
        context: { name: 'Ada', product: 'Mailwatch', loginUrl: 'https://example.com/login' },
      },
      { 'x-request-id': 'req-meta-1' },
    );

    expect(res.body).toMatchObject({ status: 'sent' });
    expect(settled).toEqual([
      expect.objectContaining({
        id: res.body.id,
        meta: { requestId: 'req-meta-1', template: 'welcome' },
      }),
    ]);
  });
});
