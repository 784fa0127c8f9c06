import { useSmtpApp } from '../support/smtp-app';
import { postJson, request } from '../support/test-app';

const valid = { to: 'alice@example.com', subject: 'Hello', text: 'Body' };

interface FieldErrorBody {
  statusCode: number;
  message: string;
  fields?: Array<{ field: string; messages: string[] }>;
}

describe('bad input to POST /send-email', () => {
  const fx = useSmtpApp();

  afterEach(() => {
    // Whatever the case, nothing may reach the SMTP server.
    expect(fx.smtp.received).toHaveLength(0);
    expect(fx.smtp.dataAttempts).toBe(0);
  });

  const fieldCases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['missing to', { subject: 'x', text: 'y' }, 'to', /at least one recipient|email address/],
    ['an invalid address', { ...valid, to: 'not-an-address' }, 'to', /email address/],
    [
      'CR/LF in the subject',
      { ...valid, subject: 'Hi\r\nBcc: victim@example.com' },
      'subject',
      /line breaks/,
    ],
    [
      'CR/LF in an address',
      { ...valid, to: 'a@example.com\r\nBcc: victim@example.com' },
      'to',
      /email address/,
    ],
    [
      'CR/LF in a display name',
      { ...valid, from: 'Evil\r\nBcc: x@example.com <a@example.com>' },
      'from',
      /email address/,
    ],
    [
      '51 recipients',
      { ...valid, to: Array.from({ length: 51 }, (_, i) => `r${i}@example.com`) },
      'to',
      /at most 50/,
    ],
    [
      '51 recipients across to, cc and bcc',
      {
        ...valid,
        to: Array.from({ length: 20 }, (_, i) => `t${i}@example.com`),
        cc: Array.from({ length: 20 }, (_, i) => `c${i}@example.com`),
        bcc: Array.from({ length: 11 }, (_, i) => `b${i}@example.com`),
      },
      'to',
      /together must have at most 50/,
    ],
    [
      'a header outside the allow-list',
      { ...valid, headers: { 'X-Evil': '1' } },
      'headers',
      /may only set List-Unsubscribe, List-Unsubscribe-Post, In-Reply-To, References/,
    ],
    [
      'no text and no html',
      { to: 'a@example.com', subject: 'x' },
      'text',
      /at least one of text, html/,
    ],
    ['a subject over 998 characters', { ...valid, subject: 'x'.repeat(999) }, 'subject', /998/],
    ['a non-string subject', { ...valid, subject: 42 }, 'subject', /string/],
  ];

  it.each(fieldCases)(
    'rejects %s with 400 naming the field',
    async (_name, body, field, message) => {
      const res = await postJson<FieldErrorBody>(`${fx.app.url}/send-email`, body);

      expect(res.status).toBe(400);
      const entry = res.body.fields?.find((f) => f.field === field);
      expect(entry).toBeDefined();
      expect(entry!.messages.join(' ')).toMatch(message);
      expect(res.body.message).toContain(field);
      expect(res.text).not.toMatch(/\bat \S+\.(js|ts):\d+/);
    },
  );

  it('rejects a 2 MiB body with 413', async () => {
    const res = await postJson(`${fx.app.url}/send-email`, {
      ...valid,
      text: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(res.body.statusCode).toBe(413);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const res = await request<FieldErrorBody>(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"to": "a@example.com",',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/JSON/);
  });

  it('rejects a wrong content type with 415', async () => {
    const res = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(valid),
    });
    expect(res.status).toBe(415);
  });

  it('rejects prototype-pollution keys with 400', async () => {
    const res = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"to":"a@example.com","subject":"x","text":"y","__proto__":{"admin":true}}',
    });
    expect(res.status).toBe(400);
  });
});
