import { TestSmtpServer, freePort } from '../support/smtp-server';
import { createTestApp, postJson, request } from '../support/test-app';
import { until } from '../support/wait';

/**
 * STACK.md's pitfall, through the app with SMTP_TRANSPORT=mailer (nodemailer's pool, the one
 * MailerService also uses): more failed connects than the pool has slots, then the relay comes
 * up — the pool must deliver again by itself.
 */
it('nodemailer pool (SMTP_TRANSPORT=mailer) recovers after more failed connects than slots', async () => {
  const port = await freePort();
  const app = await createTestApp({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      SMTP_TRANSPORT: 'mailer',
      SMTP_POOL_SIZE: '2',
      MAX_ATTEMPTS: '3',
      RETRY_BASE_MS: '50',
      RETRY_MAX_MS: '100',
      SEND_WAIT_MS: '0',
    },
  });
  let smtp: TestSmtpServer | undefined;
  try {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(
        (
          await postJson(`${app.url}/send-email`, {
            to: 'a@example.com',
            subject: `f${i}`,
            text: 'x',
          })
        ).body.id as string,
      );
    }
    for (const id of ids) {
      await until(
        `email ${id} to fail`,
        async () => (await request(`${app.url}/emails/${id}`)).body.status === 'failed',
      );
    }
    smtp = await TestSmtpServer.start({ port });
    const after = await postJson(`${app.url}/send-email`, {
      to: 'a@example.com',
      subject: 'after',
      text: 'x',
    });
    await until(
      'the email after the outage to be sent',
      async () =>
        (await request(`${app.url}/emails/${after.body.id as string}`)).body.status === 'sent',
      10_000,
    );
  } finally {
    await app.close();
    await smtp?.stop();
  }
});
