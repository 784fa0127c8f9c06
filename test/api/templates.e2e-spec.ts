import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateRenderer } from '../../src/templates/template-renderer';
import { TestSmtpServer } from '../support/smtp-server';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

const base = { to: 'ada@example.com', subject: 'Welcome' };

describe(TemplateRenderer.name, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, SEND_WAIT_MS: '5000', METRICS_CACHE_MS: '0' },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('renders a built-in template with its context and sends the html', async () => {
    const res = await postJson(`${t.url}/send-email`, {
      ...base,
      template: 'welcome',
      context: { name: 'Ada <admin>', product: 'Mailwatch', loginUrl: 'https://example.com/in' },
    });

    expect(res.status).toBe(200);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail.parsed.html).toContain('Welcome, Ada &lt;admin&gt;!');
    expect(mail.parsed.html).toContain('href="https://example.com/in"');
  });

  it('answers 422 naming the missing variable, queues nothing, and counts it', async () => {
    const before = smtp.dataAttempts;

    const res = await postJson(`${t.url}/send-email`, {
      ...base,
      template: 'welcome',
      context: { name: 'Ada', product: 'Mailwatch' },
    });

    expect(res.status).toBe(422);
    expect(res.body.message).toContain('"loginUrl"');
    expect(res.body.message).toContain('"welcome"');
    const metrics = await request(`${t.url}/metrics`);
    expect(metrics.text).toMatch(/email_template_failures_total\{reason="missing_variable"\} 1\b/);
    expect(metrics.text).not.toMatch(/email_sent_total\{[^}]*status="failure"/);
    expect(smtp.dataAttempts).toBe(before);
  });

  it('answers 422 naming an unknown template and the ones that exist', async () => {
    const res = await postJson(`${t.url}/send-email`, { ...base, template: 'nope' });

    expect(res.status).toBe(422);
    expect(res.body.message).toContain('"nope"');
    expect(res.body.message).toContain('password-reset, welcome');
    const metrics = await request(`${t.url}/metrics`);
    expect(metrics.text.split('\n').filter((l) => l.startsWith('email_template'))).toContain(
      'email_template_failures_total{reason="unknown_template"} 1',
    );
  });

  it('refuses template names that could leave the folder with 400', async () => {
    const res = await postJson(`${t.url}/send-email`, { ...base, template: '../../etc/passwd' });

    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('template must be a template name');
  });

  it('still requires one of text, html and template', async () => {
    const res = await postJson(`${t.url}/send-email`, base);

    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('text, html and template');
  });
});

describe(`${TemplateRenderer.name} with TEMPLATES_DIR`, () => {
  it('serves templates from the configured folder instead of the built-in ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwatch-templates-'));
    writeFileSync(join(dir, 'invoice.hbs'), '<p>Invoice {{number}} for {{customer.name}}</p>');
    const smtp = await TestSmtpServer.start();
    const t = await createTestApp({
      env: { SMTP_URL: smtp.url, TEMPLATES_DIR: dir, SEND_WAIT_MS: '5000' },
    });
    try {
      const ok = await postJson(`${t.url}/send-email`, {
        ...base,
        template: 'invoice',
        context: { number: 42, customer: { name: 'ACME' } },
      });
      const nested = await postJson(`${t.url}/send-email`, {
        ...base,
        template: 'invoice',
        context: { number: 43, customer: {} },
      });
      const builtIn = await postJson(`${t.url}/send-email`, { ...base, template: 'welcome' });

      expect(ok.status).toBe(200);
      const [mail] = await smtp.waitForMessages(1);
      expect(mail.parsed.html).toContain('Invoice 42 for ACME');
      expect(nested.status).toBe(422);
      expect(nested.body.message).toContain('"name"');
      expect(builtIn.status).toBe(422);
    } finally {
      await t.close();
      await smtp.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
