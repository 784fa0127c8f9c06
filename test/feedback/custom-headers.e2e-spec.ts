import { readdirSync, readFileSync } from 'node:fs';
import { mailConfig, type MailConfig } from '../../src/config/mail.config';
import { AiosmtpdServer } from '../support/aiosmtpd-server';
import { PostfixServer } from '../support/postfix-server';
import { createTestApp, postJson, type TestApp } from '../support/test-app';
import { untilQueueEmpty } from '../support/wait';

/** RFC 8058 one-click unsubscribe and threading headers, as a bulk sender sets them. */
const LONG_REFERENCES = Array.from(
  { length: 6 },
  (_, i) => `<thread-${i}.1234567890@mail.example.com>`,
);
const HEADERS = {
  'List-Unsubscribe':
    '<https://example.com/unsubscribe/opaque-token-123?u=42&l=7>, <mailto:unsubscribe@example.com?subject=unsubscribe>',
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  'In-Reply-To': '<thread-5.1234567890@mail.example.com>',
  references: LONG_REFERENCES.join(' '),
};
/** What must arrive, byte for byte: one unfolded line per header, canonical names. */
const EXPECTED_LINES = [
  `List-Unsubscribe: ${HEADERS['List-Unsubscribe']}`,
  'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
  `In-Reply-To: ${HEADERS['In-Reply-To']}`,
  `References: ${HEADERS.references}`,
];

/**
 * The unsubscribe and In-Reply-To lines must be verbatim (MailComposer may neither fold nor
 * encode them); References may be folded (RFC 5322 §2.2.3) by MailComposer, so it is compared
 * unfolded, which is how a receiver reads it.
 */
function expectHeaderLines(raw: Buffer): void {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/)[0];
  expect(head.split(/\r?\n/)).toEqual(expect.arrayContaining(EXPECTED_LINES.slice(0, 3)));
  const unfolded = head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/);
  expect(unfolded).toContain(EXPECTED_LINES[3]);
}

const email = (extra: Record<string, unknown> = {}) => ({
  to: 'reader@example.com',
  subject: 'Monthly digest',
  text: 'Hello',
  headers: HEADERS,
  ...extra,
});

describe('custom headers reach a real MTA byte for byte', () => {
  let postfix: PostfixServer;
  let app: TestApp;

  beforeAll(async () => {
    postfix = await PostfixServer.start();
    app = await createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${postfix.port}` } });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await postfix?.stop();
  });

  it('plain text and MIME messages carry them through Postfix unfolded and unencoded', async () => {
    const plain = await postJson(`${app.url}/send-email`, email());
    const mime = await postJson(`${app.url}/send-email`, email({ html: '<p>Hello</p>' }));
    expect([plain.status, mime.status]).toEqual([200, 200]);
    const stored = await postfix.waitForStored(2);
    expect(stored).toHaveLength(2);
    stored.forEach((message) => expectHeaderLines(message.raw));
  });

  it.each([
    ['CR/LF in a value', { 'In-Reply-To': '<a@b>\r\nBcc: victim@example.com' }],
    ['a bare LF', { References: '<a@b>\n<c@d>' }],
    ['a header outside the allow-list', { 'X-Mailer': 'evil' }],
    ['a routing header', { 'Return-Path': '<attacker@example.com>' }],
    ['an identity header', { From: 'ceo@example.com' }],
    ['Bcc', { Bcc: 'victim@example.com' }],
    ['non-ASCII (never encoded)', { 'In-Reply-To': '<é@example.com>' }],
    ['a NUL', { 'In-Reply-To': '<a\u0000@b>' }],
    ['the same header twice', { 'in-reply-to': '<a@b>', 'In-Reply-To': '<c@d>' }],
    ['a line over 998 characters', { References: `<${'a'.repeat(1000)}@b>` }],
    ['a non-string value', { 'In-Reply-To': ['<a@b>'] }],
    ['an http: unsubscribe URI', { 'List-Unsubscribe': '<http://example.com/u>' }],
    ['a URI without brackets', { 'List-Unsubscribe': 'https://example.com/u' }],
    [
      'one-click without an https URI',
      {
        'List-Unsubscribe': '<mailto:u@example.com>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    ],
    [
      'one-click with another value',
      {
        'List-Unsubscribe': '<https://example.com/u>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=Yes',
      },
    ],
    ['a message id without @', { 'In-Reply-To': '<no-at-sign>' }],
  ])('refuses %s with 400 naming headers', async (_case, headers) => {
    const res = await postJson<{ code: string; fields: Array<{ field: string }> }>(
      `${app.url}/send-email`,
      email({ headers }),
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.fields.map((e) => e.field)).toEqual(['headers']);
    expect(res.text).not.toContain('victim');
  });

  it('a batch item with a bad header is refused on its own', async () => {
    const res = await postJson<{
      results: Array<{ status: number; errors?: Array<{ field: string }> }>;
    }>(`${app.url}/send-email/batch`, {
      emails: [email(), email({ headers: { Sender: 'x@example.com' } })],
    });
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.status)).toEqual([202, 400]);
    expect(res.body.results[1].errors?.map((e) => e.field)).toEqual(['headers']);
    await untilQueueEmpty(app, 20_000);
    // The two earlier messages and the batch's valid one: none of the refused ones went out.
    expect(await postfix.waitForStored(3)).toHaveLength(3);
  });
});

describe('custom headers through the nodemailer transport and the outbox', () => {
  it('reach aiosmtpd through SMTP_TRANSPORT=mailer', async () => {
    const sink = await AiosmtpdServer.start();
    const app = await createTestApp({
      env: { SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SMTP_TRANSPORT: 'mailer' },
    });
    try {
      const res = await postJson(`${app.url}/send-email`, email({ html: '<p>Hi</p>' }));
      expect(res.status).toBe(200);
      const [message] = sink.received();
      expectHeaderLines(message.raw);
    } finally {
      await app.close();
      await sink.stop();
    }
  });

  it('are written into the outbox .eml', async () => {
    const app = await createTestApp({ env: {} });
    try {
      const res = await postJson<{ id: string }>(`${app.url}/send-email`, email());
      expect(res.status).toBe(200);
      const outbox = app.app.get<MailConfig>(mailConfig.KEY).outboxDir;
      const file = readdirSync(outbox).find((f) => f === `${res.body.id}.eml`);
      expect(file).toBeDefined();
      expectHeaderLines(readFileSync(`${outbox}/${file}`));
    } finally {
      await app.close();
    }
  });
});
