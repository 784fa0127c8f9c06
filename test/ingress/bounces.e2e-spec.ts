import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'prom-client';
import {
  SUPPRESSION_HOOK,
  type SuppressionContext,
  type SuppressionHook,
} from '../../src/ingress/bounce/bounce-hooks';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { ingressPort, refusal, submit } from './ingress-client';

const KEY = 'billing-key-0123456789abcdef';
const suppressed: Array<{ address: string; context: SuppressionContext }> = [];

/** Replaces the feedback feature's hook (the real suppression list): it only records the calls. */
const recordingHook: SuppressionHook = {
  suppress: (address, context) => {
    suppressed.push({ address, context });
    return Promise.resolve();
  },
};

const fixture = (name: string, rcpt: string) =>
  Buffer.from(
    readFileSync(join(__dirname, '../fixtures/bounces', name), 'utf8')
      .replace('{{RCPT}}', rcpt)
      .replace(/\r?\n/g, '\r\n'),
  );

/**
 * The loop closed (issue 23): an email goes out with its own return path, a bounce for it
 * comes back to the SMTP listener without AUTH, and the email shows the recipient bounced.
 */
describe('Bounces', () => {
  let sink: TestSmtpServer;
  let app: TestApp;
  let port: number;

  beforeAll(async () => {
    sink = await TestSmtpServer.start();
    app = await createTestApp({
      overrides: [{ provide: SUPPRESSION_HOOK, useValue: recordingHook }],
      env: {
        SMTP_URL: sink.url,
        API_KEYS: `${KEY}=billing`,
        SMTP_INGRESS_PORT: '0',
        SMTP_INGRESS_ALLOW_INSECURE_AUTH: 'true',
        BOUNCE_DOMAIN: 'bounces.example.com',
        BOUNCE_SECRET: 'a-test-secret-of-at-least-32-characters',
      },
    });
    port = ingressPort(app);
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
  });

  const auth = { authorization: `Bearer ${KEY}` };
  const relay = () => ({ port, secure: false, ignoreTLS: true });

  /** Sends one email over the API and returns its id and the return path it went out with. */
  async function sendOne(to: string): Promise<{ id: string; returnPath: string }> {
    const before = sink.received.length;
    const res = await postJson<{ id: string }>(
      `${app.url}/send-email`,
      { to, subject: 'Invoice', text: 'Hi' },
      auth,
    );
    expect(res.status).toBe(200);
    const [mail] = (await sink.waitForMessages(before + 1)).slice(before);
    return { id: res.body.id, returnPath: mail.envelope.from };
  }

  const view = async (id: string) =>
    (await request<{ recipients?: unknown[] }>(`${app.url}/emails/${id}`, { headers: auth })).body;

  it('sends with a per-email VERP return path; a hard bounce marks the recipient bounced, suppresses and counts it', async () => {
    const { id, returnPath } = await sendOne('gone@example.org');
    expect(returnPath).toMatch(
      new RegExp(`^bounce\\+${id}\\.[0-9a-f]{16}@bounces\\.example\\.com$`),
    );
    const { response } = await submit(relay(), {
      envelope: { from: '', to: [returnPath] },
      raw: fixture('rfc3464-hard.eml', returnPath),
    });
    expect(response).toMatch(/^250 2\.0\.0 bounce processed \(hard\)/);
    expect((await view(id)).recipients).toEqual([
      expect.objectContaining({
        address: 'gone@example.org',
        outcome: 'bounced',
        type: 'hard',
        status: '5.1.1',
      }),
    ]);
    expect(suppressed).toEqual([
      {
        address: 'gone@example.org',
        context: expect.objectContaining({ client: 'billing', emailId: id, reason: 'hard_bounce' }),
      },
    ]);
    const metrics = await register.metrics();
    expect(metrics).toMatch(/email_bounced_total\{client="billing",type="hard"\} 1/);
    expect(metrics).toMatch(/email_bounce_reports_total\{result="hard"\} 1/);
  });

  it('records a delayed report as deferred (soft) without suppressing', async () => {
    const { id, returnPath } = await sendOne('slow@example.org');
    const calls = suppressed.length;
    await submit(relay(), {
      envelope: { from: '', to: [returnPath] },
      raw: fixture('rfc3464-delayed.eml', returnPath),
    });
    expect((await view(id)).recipients).toEqual([
      expect.objectContaining({
        address: 'slow@example.org',
        outcome: 'deferred',
        type: 'soft',
        status: '4.4.1',
      }),
    ]);
    expect(suppressed).toHaveLength(calls);
    expect(await register.metrics()).toMatch(
      /email_bounced_total\{client="billing",type="soft"\} 1/,
    );
  });

  it('refuses forged bounces (wrong token, no token) with 550 and changes nothing', async () => {
    const { id, returnPath } = await sendOne('kept@example.org');
    const forged = returnPath.replace(
      /\.([0-9a-f])/,
      (_, c: string) => `.${c === '0' ? '1' : '0'}`,
    );
    const calls = suppressed.length;
    for (const rcpt of [forged, 'bounce@bounces.example.com']) {
      const refused = await refusal(relay(), {
        envelope: { from: '', to: [rcpt] },
        raw: fixture('rfc3464-hard.eml', rcpt),
      });
      expect(refused.code).toBe(550);
    }
    expect((await view(id)).recipients).toBeUndefined();
    expect(suppressed).toHaveLength(calls);
    expect(await register.metrics()).toMatch(/email_bounce_reports_total\{result="forged"\} 2/);
  });
});
