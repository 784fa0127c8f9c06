import { createTestApp, postJson, type TestApp } from '../support/test-app';
import { TestSmtpServer } from '../support/smtp-server';

type BatchBody = {
  accepted: number;
  rejected: number;
  results: Array<{ index: number; status: number; code?: string; id?: string }>;
};

describe('POST /send-email/batch: every refused item carries its code', () => {
  let smtp: TestSmtpServer;
  let sut: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    sut = await createTestApp({
      env: { SMTP_URL: smtp.url, ALLOWED_SENDER_DOMAINS: 'example.com' },
    });
  });
  afterAll(async () => {
    await sut.close();
    await smtp.stop();
  });

  it('validation_failed, invalid_body, forbidden_sender; none on the queued item', async () => {
    const ok = { to: 'a@example.com', subject: 'Hi', text: 'x' };
    const res = await postJson<BatchBody>(`${sut.url}/send-email/batch`, {
      emails: [ok, { ...ok, subject: '' }, 'not an object', { ...ok, from: 'eve@evil.example' }],
    });

    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => [r.index, r.status, r.code])).toEqual([
      [0, 202, undefined],
      [1, 400, 'validation_failed'],
      [2, 400, 'invalid_body'],
      [3, 403, 'forbidden_sender'],
    ]);
  });
});
