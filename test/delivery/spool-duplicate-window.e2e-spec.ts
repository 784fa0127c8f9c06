import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AppProcess } from '../support/app-process';
import { TestSmtpServer } from '../support/smtp-server';
import { emailIdOf, tempDir } from '../support/spool-kit';
import { valueOf } from '../support/scrape';
import { until } from '../support/wait';
import { postJson, request } from '../support/test-app';

/**
 * The one crash window of the spool that can duplicate an email (docs/spool.md,
 * "Duplicates"): the relay has taken the message, its `sent` row is not yet durable.
 *
 * How the test lands in it, without a test-only hook: the relay holds the message's DATA
 * unanswered; the app is frozen with SIGSTOP; the relay then takes the message and answers
 * 250 into the frozen app's socket; kill -9. The relay has the email, the spool still says
 * `sending` — the same state on disk as a crash between a 250 (already reported to the
 * caller) and the batched `sent` commit that follows it.
 */
describe('spool: kill -9 between a delivered message and its `sent` commit', () => {
  let remove: () => void;
  let spoolPath: string;
  const apps: AppProcess[] = [];
  let sink: TestSmtpServer | undefined;

  beforeEach(() => {
    let dir: string;
    ({ dir, remove } = tempDir('spool-dup-'));
    spoolPath = join(dir, 'spool.db');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.kill()));
    await sink?.stop();
    remove();
  });

  it('re-sends the email after a restart and counts it in email_possible_duplicates_total', async () => {
    sink = await TestSmtpServer.start();
    sink.stall(true);
    const env = { QUEUE_DRIVER: 'spool', SPOOL_PATH: spoolPath, SMTP_URL: sink.url };
    const first = await AppProcess.start(env);
    apps.push(first);
    const accepted = await postJson<{ id: string }>(
      `${first.url}/send-email`,
      { to: 'user@example.com', subject: 'window', text: 'once, or twice and counted' },
      { prefer: 'respond-async' },
    );
    await until('the relay to hold the message', () => sink!.held === 1);

    process.kill(first.pid, 'SIGSTOP');
    sink.stall(false);
    await sink.waitForMessages(1);
    await first.kill();

    const check = new DatabaseSync(spoolPath);
    const row = check
      .prepare('SELECT status, attempts FROM emails WHERE id = ?')
      .get(accepted.body.id);
    check.close();

    const second = await AppProcess.start(env);
    apps.push(second);
    await sink.waitForMessages(2, 30_000);
    let metrics = '';
    await until('the restarted app to record the redelivery', async () => {
      metrics = (await request(`${second.url}/metrics`)).text;
      return valueOf(metrics, 'email_sent_total', { status: 'success' }) === 1;
    });

    expect(accepted.status).toBe(202);
    expect(row).toEqual({ status: 'sending', attempts: 1 });
    expect(sink.received.map(emailIdOf)).toEqual([accepted.body.id, accepted.body.id]);
    expect(valueOf(metrics, 'email_possible_duplicates_total')).toBe(1);
    expect(second.log).toMatch(/1 emails were being sent when the previous process stopped/);
  });
});
