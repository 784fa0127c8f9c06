import { connect } from 'node:net';
import { domainToASCII } from 'node:url';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';
import { useSmtpApp } from '../support/smtp-app';
import { STATUS_PAGE_CSP } from '../../src/status/status-page.html';

/** helmet's default CSP, written out so a helmet upgrade that changes it shows here. */
const HELMET_DIRECTIVES_BUT_UPGRADE = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' https: data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' https: 'unsafe-inline'",
].sort();

const email = { to: 'rcpt@example.com', subject: 'Hi', text: 'Hello' };
type Fields = Array<{ field: string; messages: string[] }>;

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('hostile input', () => {
  const fx = useSmtpApp({
    MAX_ATTACHMENT_BYTES: '1000',
    BODY_LIMIT_BYTES: '65536',
    SEND_WAIT_MS: '5000',
    REQUEST_TIMEOUT_MS: '1000',
  });

  const send = (body: Record<string, unknown>) =>
    postJson<{ fields?: Fields; message?: string }>(`${fx.app.url}/send-email`, {
      ...email,
      ...body,
    });

  it.each([
    ['subject', { subject: 'Hi\r\nBcc: victim@example.org' }],
    ['subject', { subject: 'Hi\u0000' }],
    ['subject', { subject: 'Hi\tthere' }],
    ['subject', { subject: 'Hi\u000bthere' }],
    ['subject', { subject: 'Hi\u000cthere' }],
    ['subject', { subject: 'Hi\u001b[31mred' }],
    ['subject', { subject: 'Hi\u0085there' }],
    ['from', { from: 'Eve\r\nBcc: victim@example.org <eve@example.com>' }],
    ['from', { from: 'Eve\n <eve@example.com>' }],
    ['replyTo', { replyTo: 'x@example.com\r\nBcc: v@example.org' }],
    ['to', { to: ['Eve, victim@example.org <eve@example.com>'] }],
    ['to', { to: ['"Eve\r\n" <eve@example.com>'] }],
    ['cc', { cc: 'a@example.com, b@example.org' }],
    [
      'attachments[0].filename',
      { attachments: [{ filename: 'a\r\n.txt', contentType: 'text/plain', content: 'aGk=' }] },
    ],
    [
      'attachments[0].contentType',
      { attachments: [{ filename: 'a.txt', contentType: 'text/plain\r\nX: y', content: 'aGk=' }] },
    ],
  ])('refuses a line break or list in %s (header injection) with 400', async (field, body) => {
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.body.fields?.map((f) => f.field)).toContain(field);
  });

  it('delivers a quoted display name with a comma to exactly one recipient', async () => {
    const before = fx.smtp.received.length;
    const res = await send({ to: '"Doe, John" <john@example.com>' });
    expect(res.status).toBe(200);
    const [mail] = (await fx.smtp.waitForMessages(before + 1)).slice(before);
    expect(mail.envelope.to).toEqual(['john@example.com']);
  });

  it('delivers to an IDN domain (user@bücher.de)', async () => {
    const before = fx.smtp.received.length;
    const res = await send({ to: 'user@bücher.de' });
    expect(res.status).toBe(200);
    const [mail] = (await fx.smtp.waitForMessages(before + 1)).slice(before);
    // nodemailer keeps UTF-8 when the server offers SMTPUTF8 (ours does); either way the
    // envelope names the same domain.
    expect(mail.envelope.to).toHaveLength(1);
    const [local, domain] = mail.envelope.to[0].split('@');
    expect(local).toBe('user');
    expect(domainToASCII(domain)).toBe('xn--bcher-kva.de');
  });

  it('caps every string: subject 998, text 512 KiB, display name 200', async () => {
    expect((await send({ subject: 'x'.repeat(999) })).body.fields?.[0].field).toBe('subject');
    const big = await postJson<{ fields?: Fields }>(`${fx.app.url}/send-email`, {
      ...email,
      text: 'x'.repeat(512 * 1024 + 1),
    });
    // This app's body limit is 64 KiB, so the cap shows as 413 here; see the next app.
    expect(big.status).toBe(413);
    const name = await send({ from: `${'n'.repeat(201)} <a@example.com>` });
    expect(name.body.fields?.[0].field).toBe('from');
    expect((await send({ from: `${'n'.repeat(200)} <a@example.com>` })).status).toBe(200);
  });

  it('refuses JSON nested deeper than 32 with 400, and accepts 32', async () => {
    const deep = await postJson(`${fx.app.url}/send-email`, { ...email, x: nested(40) });
    expect(deep.status).toBe(400);
    expect(deep.text).toContain('nested deeper than 32');
    // 32 levels pass the parser and fail validation as an unknown property instead.
    const ok = await postJson<{ fields?: Fields }>(`${fx.app.url}/send-email`, {
      ...email,
      x: nested(31),
    });
    expect(ok.status).toBe(400);
    expect(ok.body.fields?.[0].field).toBe('x');
    const brackets = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '['.repeat(20_000) + ']'.repeat(20_000),
    });
    expect(brackets.status).toBe(400);
  });

  it('answers 415 to text/plain and form posts (no CSRF via HTML forms), 413 to huge bodies', async () => {
    const text = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(email),
    });
    expect(text.status).toBe(415);
    const form = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'to=rcpt%40example.com&subject=Hi&text=Hello',
    });
    expect(form.status).toBe(415);
    const huge = await postJson(`${fx.app.url}/send-email`, { ...email, text: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
  });

  it('answers 415 to multipart, a non-UTF-8 charset and a body without Content-Type', async () => {
    const before = fx.smtp.received.length;
    for (const contentType of [
      'multipart/form-data; boundary=x',
      'application/json; charset=iso-8859-1',
      'application/x-json',
    ]) {
      const res = await request(`${fx.app.url}/send-email`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify(email),
      });
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 415 });
    }
    const bare = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      body: new Blob([JSON.stringify(email)]),
    });
    expect(bare.status).toBe(415);
    const utf8 = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      body: JSON.stringify(email),
    });
    expect(utf8.status).toBe(200);
    expect(fx.smtp.received).toHaveLength(before + 1);
  });

  it('refuses a body that is not valid UTF-8 with 400 instead of sending U+FFFD', async () => {
    const before = fx.smtp.received.length;
    const bytes = Buffer.concat([
      Buffer.from('{"to":"rcpt@example.com","subject":"Caf'),
      Buffer.from([0xe9]), // Latin-1 é: not UTF-8
      Buffer.from('","text":"Hello"}'),
    ]);
    const res = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/UTF-8/);
    expect(fx.smtp.received).toHaveLength(before);
  });

  it('closes connections whose body trickles in slower than REQUEST_TIMEOUT_MS (1 s)', async () => {
    const before = fx.smtp.received.length;
    const { port } = new URL(fx.app.url);
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => {
        return new Promise<{ response: string; ms: number }>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1');
          let response = '';
          let drip: NodeJS.Timeout | undefined;
          const bound = setTimeout(() => {
            socket.destroy();
            reject(new Error('the server kept a trickling connection open for 10 s'));
          }, 10_000);
          socket.on('connect', () => {
            socket.write(
              'POST /send-email HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
                'Content-Length: 200\r\n\r\n{',
            );
            drip = setInterval(() => socket.writable && socket.write(' '), 100);
          });
          socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearInterval(drip);
            clearTimeout(bound);
            resolve({ response, ms: Date.now() - started });
          });
        });
      }),
    );
    for (const { response, ms } of outcomes) {
      expect(response).toMatch(/^HTTP\/1\.1 408/);
      expect(ms).toBeLessThan(5000);
    }
    expect(fx.smtp.received).toHaveLength(before);
  });

  it('refuses __proto__ and constructor keys with 400', async () => {
    for (const body of [
      '{"__proto__":{"admin":true},"to":"a@example.com","subject":"s","text":"t"}',
      '{"constructor":{"prototype":{"x":1}},"to":"a@example.com","subject":"s","text":"t"}',
    ]) {
      const res = await request(`${fx.app.url}/send-email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
    }
  });

  it('sets security headers (helmet) on API answers', async () => {
    const res = await request(`${fx.app.url}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect((res.headers.get('content-security-policy') ?? '').split(';').sort()).toEqual(
      HELMET_DIRECTIVES_BUT_UPGRADE,
    );
  });

  it('sets them on what the router, the body checks and validation refuse too, and lets /status keep its own CSP', async () => {
    const answers = [
      await request(`${fx.app.url}/no-such-route`),
      await request(`${fx.app.url}/send-email`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      }),
      await request(`${fx.app.url}/send-email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([404, 415, 400]);
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = res.headers.get('content-security-policy') ?? '';
      // Every one of helmet's default directives, exactly, but upgrade-insecure-requests: that
      // one blanks Swagger UI over plain HTTP off localhost (test/api/csp-plain-http).
      expect(csp.split(';').sort()).toEqual(HELMET_DIRECTIVES_BUT_UPGRADE);
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    }
    const page = await request(`${fx.app.url}/status`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
    // What `default-src` does not cover is closed explicitly.
    for (const directive of ["base-uri 'none'", "form-action 'none'", "object-src 'none'"])
      expect(STATUS_PAGE_CSP.split('; ')).toContain(directive);
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  describe('attachments', () => {
    const pdf = Buffer.from('%PDF-1.4 hello').toString('base64');

    it('delivers a valid attachment with its name, type and bytes', async () => {
      const before = fx.smtp.received.length;
      const res = await send({
        attachments: [{ filename: 'report.pdf', contentType: 'application/pdf', content: pdf }],
      });
      expect(res.status).toBe(200);
      const [mail] = (await fx.smtp.waitForMessages(before + 1)).slice(before);
      expect(mail.parsed.attachments).toHaveLength(1);
      expect(mail.parsed.attachments[0].filename).toBe('report.pdf');
      expect(mail.parsed.attachments[0].contentType).toBe('application/pdf');
      expect(mail.parsed.attachments[0].content.toString()).toBe('%PDF-1.4 hello');
    });

    it.each([
      [
        'attachments[0].content',
        { filename: 'a.txt', contentType: 'text/plain', content: 'not base64!' },
      ],
      [
        'attachments[0].filename',
        { filename: '../../etc/passwd', contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].filename',
        { filename: 'C:\\x.txt', contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].filename',
        { filename: 'x'.repeat(256), contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].filename',
        { filename: 'invoice\u202efdp.exe', contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].filename',
        { filename: 'report\u2066.pdf', contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].filename',
        { filename: '..\u2215..\u2215etc\u2215passwd', contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].filename',
        { filename: 'x\uff0fy.txt', contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].filename',
        { filename: 'x\u2044y.txt', contentType: 'text/plain', content: 'aGk=' },
      ],
      [
        'attachments[0].contentType',
        { filename: 'a.txt', contentType: 'textplain', content: 'aGk=' },
      ],
      [
        'attachments[0].path',
        { filename: 'a.txt', contentType: 'text/plain', content: 'aGk=', path: '/etc/passwd' },
      ],
    ])('refuses a bad attachment with 400 naming %s', async (field, attachment) => {
      const before = fx.smtp.received.length;
      const res = await send({ attachments: [attachment] });
      expect(res.status).toBe(400);
      expect(res.body.fields?.map((f) => f.field)).toContain(field);
      expect(fx.smtp.received).toHaveLength(before);
    });

    it('refuses more than 10 attachments with 400 naming attachments', async () => {
      const one = { filename: 'a.txt', contentType: 'text/plain', content: 'aGk=' };
      const res = await send({ attachments: Array.from({ length: 11 }, () => one) });
      expect(res.status).toBe(400);
      expect(res.body.fields?.map((f) => f.field)).toEqual(['attachments']);
    });

    it('refuses attachments over MAX_ATTACHMENT_BYTES (1000 decoded) with 413 naming attachments', async () => {
      const before = fx.smtp.received.length;
      const at = (bytes: number) => ({
        filename: 'a.bin',
        contentType: 'application/octet-stream',
        content: Buffer.alloc(bytes, 7).toString('base64'),
      });
      const over = await send({ attachments: [at(600), at(401)] });
      expect(over.status).toBe(413);
      expect(over.body.fields?.map((f) => f.field)).toEqual(['attachments']);
      expect(fx.smtp.received).toHaveLength(before);
      expect((await send({ attachments: [at(600), at(400)] })).status).toBe(200);
    });
  });
});

describe('string caps behind a large body limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { BODY_LIMIT_BYTES: String(4 * 1024 * 1024), SEND_WAIT_MS: '0' },
    });
  });

  afterAll(() => t.close());

  it('refuses text and html over 512 KiB with 400 naming the field', async () => {
    for (const field of ['text', 'html']) {
      const res = await postJson<{ fields?: Fields }>(`${t.url}/send-email`, {
        to: 'a@example.com',
        subject: 's',
        [field]: 'x'.repeat(512 * 1024 + 1),
      });
      expect(res.status).toBe(400);
      expect(res.body.fields?.map((f) => f.field)).toEqual([field]);
    }
  });
});
