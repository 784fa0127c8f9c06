import { AppProcess } from '../support/app-process';
import { valueOf } from '../support/scrape';
import { freePort, TestSmtpServer } from '../support/smtp-server';
import { tempDir } from '../support/spool-kit';
import { postJson, request } from '../support/test-app';
import { waitForStatus } from '../support/wait';

/**
 * Issue 19 with real processes and a real relay: a relay outage defers mail (nothing is
 * burned), SIGTERM during an outage keeps it with its attempts, and DELIVERY_LIFETIME is the
 * only thing that fails a temporarily failing email — never earlier. ~35 s in CI.
 */

async function submit(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await postJson<{ id: string }>(
      `${url}/send-email`,
      { to: `user${i}@example.com`, subject: `outage ${i}`, text: 'x' },
      { prefer: 'respond-async' },
    );
    if (res.status !== 202) throw new Error(`email ${i}: ${res.status}`);
    ids.push(res.body.id);
  }
  return ids;
}

describe('relay outages (real processes)', () => {
  let dir: { dir: string; remove: () => void };
  const apps: AppProcess[] = [];
  const sinks: TestSmtpServer[] = [];

  beforeEach(() => (dir = tempDir('deferral-e2e-')));
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.kill()));
    await Promise.all(sinks.splice(0).map((sink) => sink.stop()));
    dir.remove();
  });

  it('DELIVERY_LIFETIME=30s with the relay down: expired after ~30 s, never earlier', async () => {
    const app = await AppProcess.start({
      SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      DELIVERY_LIFETIME: '30s',
      RETRY_BASE_MS: '500',
      RETRY_MAX_MS: '5000',
    });
    apps.push(app);
    // Taken before the request: the server's createdAt is at or after it, so "never earlier"
    // holds for this bound even when the 202 itself is slow on a loaded machine.
    const submitted = Date.now();
    const [id] = await submit(app.url, 1);

    const view = await waitForStatus(app.url, id, 'failed', 60_000);

    expect(Date.now() - submitted).toBeGreaterThanOrEqual(30_000);
    expect(
      Date.parse(view.updatedAt as string) - Date.parse(view.createdAt as string),
    ).toBeGreaterThanOrEqual(30_000);
    expect(view).toMatchObject({ lastError: { code: 'expired' } });
    const metrics = (await request(`${app.url}/metrics`)).text;
    expect(valueOf(metrics, 'email_delivery_lifetime_seconds')).toBe(30);
  });
});
