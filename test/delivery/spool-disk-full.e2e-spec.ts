import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AppProcess } from '../support/app-process';
import { TestSmtpServer } from '../support/smtp-server';
import { emailIdOf, tempDir } from '../support/spool-kit';
import { postJson, request } from '../support/test-app';

/**
 * The spool on a real, small tmpfs that fills up (needs root, as CI runs): 503 while full,
 * nothing half-written, and the app recovers by itself when space returns.
 */
describe('spool driver on a full disk (real process, real tmpfs)', () => {
  let dir: string;
  let remove: () => void;
  let mnt: string;
  let app: AppProcess | undefined;
  let smtp: TestSmtpServer;

  beforeEach(async () => {
    ({ dir, remove } = tempDir('spool-full-'));
    mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
    smtp = await TestSmtpServer.start();
  });
  afterEach(async () => {
    await app?.kill();
    await smtp.stop();
    execFileSync('umount', [mnt]);
    remove();
  });

  const send = (i: number) =>
    postJson<{ id: string; message?: string }>(
      `${app!.url}/send-email`,
      { to: `u${i}@example.com`, subject: `full ${i}`, text: 'x'.repeat(20_000) },
      { prefer: 'respond-async' },
    );

  it('answers 503 with Retry-After while full, delivers every 202, and recovers when space returns', async () => {
    const spoolPath = join(mnt, 'spool.db');
    app = await AppProcess.start({
      QUEUE_DRIVER: 'spool',
      SPOOL_PATH: spoolPath,
      SMTP_URL: smtp.url,
    });
    const filler = join(mnt, 'filler');
    try {
      for (;;) appendFileSync(filler, Buffer.alloc(64 * 1024));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }

    const accepted: string[] = [];
    let refused: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const res = await send(i);
      if (res.status === 202) accepted.push(res.body.id);
      else refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused?.body.message).toMatch(/nothing was queued/);

    // Not ready while the spool cannot write: the Service sends new requests elsewhere.
    const notReady = await request(`${app.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(notReady.body)).toContain('not accepting emails');

    rmSync(filler);
    // Ready again once a probe write succeeds (readiness triggers it: no traffic comes).
    const deadline = Date.now() + 15_000;
    let ready = await request(`${app.url}/readyz`);
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await request(`${app.url}/readyz`);
    }
    expect(ready.status).toBe(200);
    const after = await send(1_000);
    expect(after.status).toBe(202);
    await smtp.waitForMessages(accepted.length + 1, 30_000);
    await app.stop();
    app = undefined;

    const ids = new Set(smtp.received.map((m) => emailIdOf(m)));
    expect(ids).toEqual(new Set([...accepted, after.body.id]));
    const check = new DatabaseSync(spoolPath);
    expect(check.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    expect(check.prepare(`SELECT count(*) AS n FROM emails WHERE status = 'sent'`).get()).toEqual({
      n: accepted.length + 1,
    });
    check.close();
  });
});
