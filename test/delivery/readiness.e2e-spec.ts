import { ScriptedSmtpServer } from '../support/scripted-smtp-server';
import { createTestApp, postJson, request } from '../support/test-app';
import { until } from '../support/wait';

describe('/readyz: can this pod accept work?', () => {
  it('turns 503 when the queue is full, and 200 again once it has room; never waits on the relay', async () => {
    const smtp = await ScriptedSmtpServer.start();
    smtp.greeting = 'stall'; // the relay holds every attempt until released
    const app = await createTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        QUEUE_CAPACITY: '2',
        SEND_WAIT_MS: '0',
        SMTP_TIMEOUT_MS: '30000',
      },
    });
    try {
      expect((await request(`${app.url}/readyz`)).status).toBe(200);
      for (const subject of ['a', 'b']) {
        expect(
          (await postJson(`${app.url}/send-email`, { to: 'a@example.com', subject, text: 'x' }))
            .status,
        ).toBe(202);
      }
      const started = Date.now();
      const full = await request(`${app.url}/readyz`);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(full.status).toBe(503);
      expect(full.text).toContain('delivery queue is full');
      smtp.greeting = undefined;
      smtp.release();
      await until(
        'the queue to have room',
        async () => (await request(`${app.url}/readyz`)).status === 200,
        15_000,
      );
      await smtp.waitFor(2);
    } finally {
      await app.close();
      await smtp.stop();
    }
  });
});
