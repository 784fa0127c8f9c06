import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, postJson, type TestApp } from '../support/test-app';
import { TestSmtpServer } from '../support/smtp-server';

interface IsEmailCase {
  id: number;
  address: string;
  category: string;
}

// isemail test set, BSD 3-Clause (notice kept in the fixture's `license` field).
const cases = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'isemail-tests.json'), 'utf8')) as {
    tests: IsEmailCase[];
  }
).tests;
/** Same list as the unit spec of mailbox.validator.ts: dotless, 1-letter TLD, hyphenated TLD, long domain. */
const POLICY_EXCEPTIONS = [5, 13, 33, 37];

describe('POST /send-email against the isemail data set', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, SEND_WAIT_MS: '5000' } });
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('refuses every ISEMAIL_ERR address with 400 naming to, and sends nothing', async () => {
    const errors = cases.filter((c) => c.category === 'ISEMAIL_ERR');
    const answers = await Promise.all(
      errors.map((c) =>
        postJson<{ fields?: Array<{ field: string }> }>(`${t.url}/send-email`, {
          to: c.address,
          subject: 's',
          text: 't',
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(errors.map(() => 400));
    expect(answers.every((a) => a.body.fields?.some((f) => f.field === 'to'))).toBe(true);
    expect(smtp.received).toHaveLength(0);
  });

  it('delivers every valid address but the documented policy exceptions', async () => {
    const valid = cases.filter(
      (c) => c.category === 'ISEMAIL_VALID_CATEGORY' || c.category === 'ISEMAIL_DNSWARN',
    );
    const refused: number[] = [];
    const notDelivered: Array<{ id: number; status: number }> = [];
    for (const c of valid) {
      const res = await postJson(`${t.url}/send-email`, { to: c.address, subject: 's', text: 't' });
      if (res.status === 400) refused.push(c.id);
      else if (res.status !== 200) notDelivered.push({ id: c.id, status: res.status });
    }
    expect(refused).toEqual(POLICY_EXCEPTIONS);
    // Id 38 is a 254-character address: legal (RFC 5321's 256-octet path) and accepted by
    // us, but smtp-server answers 501, so the caller gets the relay's refusal (422).
    expect(notDelivered).toEqual([{ id: 38, status: 422 }]);
    expect(smtp.received).toHaveLength(valid.length - POLICY_EXCEPTIONS.length - 1);
  });
});
