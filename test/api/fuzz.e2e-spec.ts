import fc from 'fast-check';
import { request } from '../support/test-app';
import { useSmtpApp } from '../support/smtp-app';
import { untilQueueEmpty } from '../support/wait';

/** Fixed so CI replays the same cases; override with FUZZ_SEED to explore. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);
const RUNS = 2000;
/** What POST /send-email may answer to anything (README, "HTTP API" and "Security"). */
const DOCUMENTED = new Set([202, 400, 403, 413]);

const injections = [
  'a@example.com\r\nBcc: victim@example.org',
  'Eve <eve@example.com>\r\nX-Evil: 1',
  'Eve, victim@example.org <eve@example.com>',
  'victim@example.org, eve@example.com',
  '"Eve\n" <eve@example.com>',
  'x\u0000y@example.com',
  '=?utf-8?q?a=0D=0ABcc:_v@example.org?= <a@example.com>',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${jndi:ldap://127.0.0.1/a}',
  '{{constructor.constructor("return process")()}}',
  '\u2028\u2029',
  'user@bücher.de',
  'Ünï <ü@bücher.de>',
  '"Doe, John" <john@example.com>',
  '',
  ' ',
];
const huge = ['x'.repeat(999), 'y'.repeat(600 * 1024), `${'n'.repeat(300)} <a@example.com>`];

const address = fc.oneof(
  fc.constantFrom('a@example.com', 'b.c@example.org', 'Name <n@example.net>', 'user@bücher.de'),
  fc.constantFrom(...injections),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(fc.stringMatching(/^[a-z0-9._-]{0,12}$/), fc.stringMatching(/^[a-z0-9.-]{0,12}$/))
    .map(([l, d]) => `${l}@${d}`),
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(...injections),
  fc.constantFrom(...huge),
);
const attachment = fc.record(
  {
    filename: fc.oneof(fc.constantFrom('a.txt', 'a/b', '..', 'a\r\nb', 'x'.repeat(300)), text),
    contentType: fc.oneof(
      fc.constantFrom('text/plain', 'application/pdf', 'text', 'a/b;c=d'),
      text,
    ),
    content: fc.oneof(
      fc.constantFrom('aGk=', 'not base64', 'A'.repeat(4000), ''),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
    ),
    path: fc.constant('/etc/passwd'),
  },
  { requiredKeys: [] },
);
/** Any JSON at all in a field: wrong types, nesting, odd keys. */
const wild = fc.oneof(
  { maxDepth: 3 },
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(null),
  fc.integer(),
  fc.constant({ __proto__: { admin: true } }),
  fc.constant(JSON.parse('{"__proto__":{"admin":true}}')),
);
const fieldValues: Record<string, fc.Arbitrary<unknown>> = {
  to: fc.oneof(address, fc.array(address, { maxLength: 4 }), wild),
  cc: fc.oneof(address, fc.array(address, { maxLength: 3 }), wild),
  bcc: fc.oneof(fc.array(address, { maxLength: 60 }), wild),
  from: fc.oneof(address, wild),
  replyTo: fc.oneof(address, wild),
  subject: fc.oneof(text, wild),
  text: fc.oneof(text, wild),
  html: fc.oneof(text, wild),
  attachments: fc.oneof(fc.array(attachment, { maxLength: 12 }), wild),
  headers: fc.constant({ Bcc: 'victim@example.org' }),
  constructor: fc.constant({ prototype: { polluted: true } }),
  prototype: wild,
};
const mutation = fc.oneof(
  ...Object.entries(fieldValues).map(([key, value]) => value.map((v) => [key, v] as const)),
  fc.constantFrom('to', 'subject', 'text').map((key) => [key, undefined] as const),
);
/** A valid email with 0–3 fields replaced by random or hostile values (or removed). */
const body = fc
  .tuple(
    fc.record({
      to: fc.constantFrom(
        'a@example.com',
        ['a@example.com', 'B <b@example.org>'],
        'user@bücher.de',
      ),
      subject: fc.string({ minLength: 1, maxLength: 30 }),
      text: fc.string({ maxLength: 100 }),
    }),
    fc.array(mutation, { maxLength: 3 }),
  )
  .map(([base, mutations]) => {
    const result: Record<string, unknown> = { ...base };
    for (const [key, value] of mutations) {
      Object.defineProperty(result, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  });

/** Raw request bodies: the JSON of the above, nesting bombs, and plain garbage. */
const payload = fc.oneof(
  { weight: 8, arbitrary: body.map((b) => JSON.stringify(b)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constantFrom(
        '{"__proto__":{"x":1},"to":"a@example.com","subject":"s","text":"t"}',
        '{',
        'null',
        '[]',
        '"x"',
      ),
    ),
  },
);

describe('POST /send-email under fuzzing', () => {
  const fx = useSmtpApp({
    SEND_WAIT_MS: '0',
    MAX_ATTACHMENT_BYTES: '2048',
    RECIPIENT_DOMAINS_DENY: 'example.net',
    BODY_LIMIT_BYTES: String(2 * 1024 * 1024),
  });

  it(`answers ${RUNS} random and adversarial bodies with a documented status, never 5xx, and sends only what it accepted`, async () => {
    const accepted = new Set<string>();
    const statuses = new Map<number, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (raw) => {
        cases++;
        const res = await request(`${fx.app.url}/send-email`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', prefer: 'respond-async' },
          body: raw,
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (!DOCUMENTED.has(res.status)) {
          throw new Error(
            `status ${res.status} for ${raw.slice(0, 300)}: ${res.text.slice(0, 300)}`,
          );
        }
        expect(res.text).not.toMatch(/\n\s+at /); // no stack traces
        if (res.status === 202) accepted.add(String(res.body.id));
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    process.stdout.write(
      `fuzz: ${cases} cases (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
    );
    expect(cases).toBe(RUNS);
    expect(accepted.size).toBeGreaterThan(20);

    await fx.smtp.waitForMessages(accepted.size, 30_000);
    await untilQueueEmpty(fx.app, 30_000);
    const delivered = fx.smtp.received.map((m) => m.parsed.headers.get('x-mailwatch-id') as string);
    expect(delivered.sort()).toEqual([...accepted].sort());
    for (const mail of fx.smtp.received) {
      expect(mail.parsed.headers.has('x-evil')).toBe(false);
      expect(mail.envelope.to).not.toContain('victim@example.org');
    }
    expect((await request(`${fx.app.url}/healthz`)).status).toBe(200);
  });
});
