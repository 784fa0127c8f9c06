import { Logger } from '@nestjs/common';
import fs from 'node:fs';
import {
  createTestApp,
  postJson,
  request,
  type HttpResult,
  type TestApp,
} from '../support/test-app';
import { freePort, TestSmtpServer } from '../support/smtp-server';

const SMTP_PASSWORD = 'smtp-Pa55-word-7f3a9c';
const KEY = 'apikey-secret-51b2c8d04e';
const METRICS_PASSWORD = 'metrics-Pa55-9d1e';
const RECIPIENT = 'secret.recipient@example.com';

const text = (chunk: unknown) =>
  typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');

/**
 * Everything written to stdout/stderr while `fn` runs: through the streams (Nest's console
 * logger) and straight to fd 1/2 with fs.write/writeSync (pino's sonic-boom destination).
 */
async function capturingOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const streamSpies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(text(chunk));
      return true;
    }),
  );
  const realWriteSync = fs.writeSync.bind(fs);
  const writeSyncSpy = jest
    .spyOn(fs, 'writeSync')
    .mockImplementation((fd: number, data: unknown, ...rest: unknown[]) => {
      if (fd !== 1 && fd !== 2)
        return (realWriteSync as (...a: unknown[]) => number)(fd, data, ...rest);
      chunks.push(text(data));
      return Buffer.byteLength(text(data));
    });
  const realWrite = fs.write.bind(fs);
  const writeSpy = jest
    .spyOn(fs, 'write')
    .mockImplementation((fd: number, data: unknown, ...rest: unknown[]) => {
      if (fd !== 1 && fd !== 2) return (realWrite as (...a: unknown[]) => void)(fd, data, ...rest);
      chunks.push(text(data));
      const callback = rest.find((r) => typeof r === 'function') as
        ((err: null, written: number) => void) | undefined;
      callback?.(null, Buffer.byteLength(text(data)));
    });
  const spies = [...streamSpies, writeSyncSpy, writeSpy];
  try {
    const result = await fn();
    return { result, output: chunks.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('secrets and recipients never leak', () => {
  it('keeps passwords, API keys, recipients and the relay address out of every response and log line', async () => {
    const smtp = await TestSmtpServer.start({ auth: { user: 'mailer', pass: SMTP_PASSWORD } });
    const deadPort = await freePort();
    const responses: HttpResult[] = [];
    const { output } = await capturingOutput(async () => {
      const t: TestApp = await createTestApp({
        env: {
          SMTP_URL: smtp.url,
          API_KEYS: `${KEY}=billing`,
          METRICS_AUTH: `prom:${METRICS_PASSWORD}`,
          SEND_WAIT_MS: '5000',
          MAX_ATTEMPTS: '1',
        },
      });
      // A second app whose relay is down and whose password is wrong: error paths log.
      const broken: TestApp = await createTestApp({
        env: {
          SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}x@127.0.0.1:${deadPort}`,
          API_KEYS: `${KEY}=billing`,
          SEND_WAIT_MS: '3000',
          MAX_ATTEMPTS: '1',
          ENABLE_METRICS: 'false',
        },
      });
      try {
        const auth = { authorization: `Bearer ${KEY}` };
        const mail = { to: RECIPIENT, subject: 's', text: 't' };
        responses.push(await postJson(`${t.url}/send-email`, mail));
        responses.push(
          await postJson(`${t.url}/send-email`, mail, { authorization: `Bearer ${KEY}x` }),
        );
        responses.push(await postJson(`${t.url}/send-email`, mail, auth));
        smtp.failNext(550, `5.1.1 <${RECIPIENT}>: Recipient address rejected`);
        responses.push(await postJson(`${t.url}/send-email`, mail, auth));
        responses.push(await postJson(`${t.url}/send-email`, { ...mail, to: 'bad' }, auth));
        responses.push(await request(`${t.url}/nope`, { headers: auth }));
        responses.push(await request(`${t.url}/metrics`));
        responses.push(
          await request(`${t.url}/metrics`, {
            headers: {
              authorization: `Basic ${Buffer.from(`prom:${METRICS_PASSWORD}`).toString('base64')}`,
            },
          }),
        );
        responses.push(await request(`${t.url}/readyz`));
        responses.push(await postJson(`${broken.url}/send-email`, mail, auth));
        responses.push(await request(`${broken.url}/readyz`));
      } finally {
        await broken.close();
        await t.close();
      }
    });
    await smtp.stop();

    // The broken app stays ready (issue 12: a relay outage must not empty the Service); its
    // /readyz shows the relay down instead. Its email waits as deferred (202, issue 19: a relay
    // known down consumes no attempt), and its lastError is checked for leaks like the rest.
    expect(responses.map((r) => r.status)).toEqual([
      401, 401, 200, 422, 400, 404, 401, 200, 200, 202, 200,
    ]);
    expect(responses[10].body).toMatchObject({ details: { transport: { relay: 'down' } } });
    // The metrics page legitimately shows label values; everything else is checked for all secrets.
    const secrets = [SMTP_PASSWORD, KEY, METRICS_PASSWORD, `:${smtp.port}`, `:${deadPort}`];
    for (const [i, res] of responses.entries()) {
      for (const secret of secrets)
        expect({ i, leaked: res.text.includes(secret), secret }).toEqual({
          i,
          leaked: false,
          secret,
        });
      expect(res.text).not.toMatch(/\n\s+at /);
    }
    expect(output.length).toBeGreaterThan(0); // the failures above do log
    for (const secret of [...secrets, RECIPIENT, 'Authorization', 'Bearer']) {
      expect({ leaked: output.includes(secret), secret }).toEqual({ leaked: false, secret });
    }
  });

  it('warns at start-up when no API keys are configured (dev mode) and then trusts X-Client-ID', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const t = await createTestApp({ env: {} });
      try {
        const res = await postJson(`${t.url}/send-email`, { to: 'bad' }, { 'x-client-id': 'dev' });
        expect(res.status).toBe(400);
      } finally {
        await t.close();
      }
      expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
        expect.stringMatching(
          /API_KEYS \/ API_KEYS_FILE not set: the API is open and trusts X-Client-ID/,
        ),
      );
    } finally {
      warn.mockRestore();
    }
  });
});
