import { HttpException, Injectable, Module } from '@nestjs/common';
import { MailerService } from '@nestjs-modules/mailer';
import { MailClient } from '../../src/mail/mail-client';
import { MailModule } from '../../src/mail/mail.module';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

/**
 * Issue 21, "one send path": another team's module sends through MailClient and gets what
 * POST /send-email gets — validation, the sender policy, the queue, the email metrics — and
 * cannot reach MailerService to send around them.
 */
@Injectable()
class InvoiceSender {
  constructor(readonly mail: MailClient) {}
}

@Module({ imports: [MailModule], providers: [InvoiceSender] })
class InvoiceModule {}

@Injectable()
class RogueSender {
  constructor(readonly mailer: MailerService) {}
}

@Module({ imports: [MailModule], providers: [RogueSender] })
class RogueModule {}

/** What a refused call threw, as the REST API would have answered it. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const err = await call.then(
    () => new Error('the send was not refused'),
    (e: unknown) => e,
  );
  if (!(err instanceof HttpException)) throw err;
  return { status: err.getStatus(), body: err.getResponse() };
}

describe('One send path (MailClient)', () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  let sut: MailClient;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    app = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        METRICS_CACHE_MS: '0',
        ALLOWED_SENDER_DOMAINS: 'example.com',
        CLIENT_SENDERS: 'billing:invoices@billing.example',
      },
      imports: [InvoiceModule],
    });
    sut = app.app.get(InvoiceSender).mail;
  });
  afterAll(async () => {
    await app.close();
    await smtp.stop();
  });

  const invoice = { to: 'payer@example.com', subject: 'Invoice 7', text: 'Due in 30 days' };

  it('delivers and counts a module’s email under its client in email_sent_total', async () => {
    const view = await sut.send(
      { ...invoice, from: 'invoices@billing.example' },
      { client: 'billing', waitMs: 10_000 },
    );

    expect(view.status).toBe('sent');
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.envelope.to).toEqual(['payer@example.com']);
    const metrics = (await request(`${app.url}/metrics`)).text;
    expect(metrics).toContain('email_sent_total{client="billing",status="success"} 1');
    expect(await sut.find(view.id, 'billing')).toMatchObject({ id: view.id, status: 'sent' });
    expect(await sut.find(view.id, 'web')).toBeUndefined();
  });

  it('is refused by the sender policy exactly as REST is, and queues nothing', async () => {
    const email = { ...invoice, from: 'other@billing.example', subject: 'refused' };

    const viaModule = await refusal(sut.send(email, { client: 'billing' }));
    const viaRest = await postJson(`${app.url}/send-email`, email, { 'x-client-id': 'billing' });

    expect(viaModule.status).toBe(403);
    expect(viaRest.status).toBe(403);
    expect(viaModule.body).toEqual(viaRest.body);
    // Nothing queued: the next email is the second message the relay sees.
    await sut.send({ ...invoice, subject: 'after' }, { client: 'web', waitMs: 10_000 });
    const received = await smtp.waitForMessages(2);
    expect(received.map((m) => m.parsed.subject)).toEqual(['Invoice 7', 'after']);
  });

  it('validates like REST: a 400 naming the field', async () => {
    const bad = { to: 'not an address', subject: 'x', text: 'y' };

    const viaModule = await refusal(sut.send(bad, { client: 'billing' }));
    const viaRest = await postJson(`${app.url}/send-email`, bad, { 'x-client-id': 'billing' });

    expect(viaModule).toEqual({ status: 400, body: viaRest.body });
    expect(viaRest.body.fields).toEqual([{ field: 'to', messages: [expect.any(String)] }]);
  });

  it('refuses a client name that is no fixed label value', async () => {
    await expect(sut.send(invoice, { client: 'a b' })).rejects.toThrow(/options.client must be/);
    await expect(sut.send(invoice, {} as never)).rejects.toThrow(/options.client must be/);
  });

  it('does not let another module inject MailerService (the old way around the policy)', async () => {
    await expect(
      createTestApp({ env: { SMTP_URL: smtp.url }, imports: [RogueModule] }),
    ).rejects.toThrow(/can't resolve dependencies of the RogueSender \(\?\)/);
  });
});
