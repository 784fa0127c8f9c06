import { AppProcess } from '../support/app-process';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { testSpoolPath } from '../support/test-app';
import { submit } from './ingress-client';

const KEY = 'gitlab-key-0123456789abcdef';

/**
 * 250 means stored: the real service (spool driver) is killed with SIGKILL right after it
 * answered 250 while its relay was unreachable; after a restart the message is delivered.
 */
describe('SMTP submission and kill -9', () => {
  const apps: AppProcess[] = [];
  let sink: TestSmtpServer | undefined;

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await sink?.stop();
  });

  it('delivers after a restart every message that was answered 250 before kill -9', async () => {
    const relayPort = await freePort();
    const ingress = await freePort();
    const env = {
      QUEUE_DRIVER: 'spool',
      SPOOL_PATH: testSpoolPath(),
      SMTP_URL: `smtp://127.0.0.1:${relayPort}`,
      API_KEYS: `${KEY}=gitlab`,
      SMTP_INGRESS_PORT: String(ingress),
      SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
    };
    const first = await AppProcess.start(env);
    apps.push(first);
    const client = {
      port: ingress,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'gitlab', pass: KEY },
    };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { id } = await submit(client, {
        from: 'gitlab@example.com',
        to: `dev${i}@example.org`,
        subject: `pipeline ${i}`,
        text: 'failed',
      });
      ids.push(id);
    }
    await first.kill();

    sink = await TestSmtpServer.start({ port: relayPort });
    const second = await AppProcess.start(env);
    apps.push(second);
    const received = await sink.waitForMessages(3, 30_000);
    const delivered = received.map(
      (m) => /^X-Mailwatch-Id: (\S+)/.exec(m.raw.toString('latin1'))?.[1],
    );
    expect(delivered.sort()).toEqual([...ids].sort());
  });
});
