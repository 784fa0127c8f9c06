import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createTestApp, postJson, request, type TestApp } from '../support/test-app';

describe('outbox transport (no SMTP_URL)', () => {
  let dir: string;
  let sut: TestApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailwatch-outbox-'));
    sut = await createTestApp({ env: { OUTBOX_DIR: join(dir, 'nested', 'outbox') } });
  });

  afterAll(async () => {
    await sut.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one parseable RFC 5322 .eml per email, named by its id, and nothing else', async () => {
    const res = await postJson(`${sut.url}/send-email`, {
      to: 'alice@example.com',
      subject: 'Outbox check',
      text: 'written to disk',
    });

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('sent');
    const outbox = join(dir, 'nested', 'outbox');
    const files = await readdir(outbox);
    expect(files).toEqual([`${String(res.body.id)}.eml`]);
    const raw = await readFile(join(outbox, files[0]));
    expect(raw.toString()).toContain('\r\n');
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Outbox check');
    expect(parsed.text?.trim()).toBe('written to disk');
    expect(parsed.from?.value[0].address).toBe('mailwatch@localhost');
    expect(parsed.messageId).toBe(res.body.messageId);
  });

  it('reports ready with the outbox transport', async () => {
    const res = await request(`${sut.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      details: { transport: { kind: 'outbox', status: 'up' } },
    });
  });
});
