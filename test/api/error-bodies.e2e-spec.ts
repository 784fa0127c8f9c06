import { connect } from 'node:net';
import { ERROR_CODES } from '../../src/core/error-body';
import { useSmtpApp } from '../support/smtp-app';
import { postJson, request, type HttpResult } from '../support/test-app';

const KEY = 'error-bodies-key-000001';
const OTHER_KEY = 'error-bodies-key-000002';
const auth = { authorization: `Bearer ${KEY}` };
const email = { to: 'rcpt@example.com', subject: 'Hi', text: 'Hello' };
const ALLOWED_KEYS = ['statusCode', 'error', 'code', 'message', 'fields'];

/** Every error answer: exactly these keys, a status that matches, a code from the vocabulary. */
function expectErrorBody(res: HttpResult, status: number, code: keyof typeof ERROR_CODES) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.body).toMatchObject({
    statusCode: status,
    error: expect.any(String),
    message: expect.any(String),
  });
  for (const key of Object.keys(res.body)) expect(ALLOWED_KEYS).toContain(key);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('one error body everywhere: {statusCode, error, code, message} (+ fields)', () => {
  const fx = useSmtpApp({
    API_KEYS: `${KEY}=billing,${OTHER_KEY}=crm`,
    CLIENT_SENDERS: 'billing:example.com',
    RECIPIENT_DOMAINS_DENY: 'blocked.example',
    BODY_LIMIT_BYTES: '4096',
    MAX_ATTACHMENT_BYTES: '100',
    RATE_LIMIT: '1000',
    REQUEST_TIMEOUT_MS: '1000',
    METRICS_AUTH: 'prom:secret-password',
    SEND_WAIT_MS: '5000',
  });
  const send = (body: unknown, headers: Record<string, string> = {}) =>
    postJson(`${fx.app.url}/send-email`, body, { ...auth, ...headers });

  it('400 validation_failed names every field, in the body and in query/path/header errors', async () => {
    const res = await send({ to: 'not an address', subject: '' });
    expectErrorBody(res, 400, 'validation_failed');
    expect((res.body.fields as Array<{ field: string }>).map((f) => f.field)).toEqual(
      expect.arrayContaining(['to', 'subject']),
    );
    for (const [url, field] of [
      [`${fx.app.url}/emails/not-a-uuid`, 'id'],
      [`${fx.app.url}/emails?status=failed&limit=0`, 'limit'],
      [`${fx.app.url}/emails?status=sent`, 'status'],
    ]) {
      const bad = await request(url, { headers: auth });
      expectErrorBody(bad, 400, 'validation_failed');
      expect(bad.body.fields).toEqual([{ field, messages: [expect.any(String)] }]);
    }
    const key = await send(email, { 'idempotency-key': 'k'.repeat(256) });
    expectErrorBody(key, 400, 'validation_failed');
    expect(key.body.fields).toEqual([{ field: 'Idempotency-Key', messages: [expect.any(String)] }]);
  });

  it('400 invalid_body for malformed JSON', async () => {
    const res = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"to":',
    });
    expectErrorBody(res, 400, 'invalid_body');
  });

  it('401 unauthorized, 404 not_found, 415 unsupported_media_type, 413 payload_too_large', async () => {
    expectErrorBody(await postJson(`${fx.app.url}/send-email`, email), 401, 'unauthorized');
    expectErrorBody(await request(`${fx.app.url}/nope`, { headers: auth }), 404, 'not_found');
    const unknown = `${fx.app.url}/emails/00000000-0000-4000-8000-000000000000`;
    expectErrorBody(await request(unknown, { headers: auth }), 404, 'not_found');
    const form = await request(`${fx.app.url}/send-email`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'to=a',
    });
    expectErrorBody(form, 415, 'unsupported_media_type');
    expectErrorBody(await send({ ...email, text: 'x'.repeat(5000) }), 413, 'payload_too_large');
    const attachment = { filename: 'a.bin', contentType: 'application/octet-stream' };
    const big = await send({
      ...email,
      attachments: [{ ...attachment, content: 'A'.repeat(200) }],
    });
    expectErrorBody(big, 413, 'payload_too_large');
  });

  it('403 forbidden_sender and forbidden_recipient name the field', async () => {
    const sender = await send({ ...email, from: 'eve@evil.example' });
    expectErrorBody(sender, 403, 'forbidden_sender');
    expect(sender.body.fields).toEqual([{ field: 'from', messages: [expect.any(String)] }]);
    const recipient = await send({ ...email, cc: 'x@blocked.example' });
    expectErrorBody(recipient, 403, 'forbidden_recipient');
    expect(recipient.body.fields).toEqual([{ field: 'cc', messages: [expect.any(String)] }]);
  });

  it('409 email_not_failed, 422 idempotency_mismatch, template_unknown, template_variable_missing', async () => {
    const sent = await send(email, { 'idempotency-key': 'error-bodies-1' });
    expect(sent.status).toBe(200);
    const retry = await request(`${fx.app.url}/emails/${sent.body.id as string}/retry`, {
      method: 'POST',
      headers: auth,
    });
    expectErrorBody(retry, 409, 'email_not_failed');
    const reused = await send({ ...email, text: 'other' }, { 'idempotency-key': 'error-bodies-1' });
    expectErrorBody(reused, 422, 'idempotency_mismatch');
    const template = await send({ to: 'a@example.com', subject: 'x', template: 'nope' });
    expectErrorBody(template, 422, 'template_unknown');
    const variable = await send({ to: 'a@example.com', subject: 'x', template: 'welcome' });
    expectErrorBody(variable, 422, 'template_variable_missing');
  });

  it('401 on /metrics without METRICS_AUTH credentials has the same shape', async () => {
    expectErrorBody(await request(`${fx.app.url}/metrics`), 401, 'unauthorized');
  });

  it('408 request_timeout for a body not received within REQUEST_TIMEOUT_MS', async () => {
    const { port } = new URL(fx.app.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      const bound = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
      socket.on('connect', () =>
        socket.write(
          `POST /send-email HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
        ),
      );
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(bound);
        resolve(text);
      });
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(body)).toEqual({
      statusCode: 408,
      error: 'Request Timeout',
      code: 'request_timeout',
      message: expect.any(String),
    });
  });
});

describe('429 rate_limited and 503 queue_full', () => {
  const fx = useSmtpApp({ RATE_LIMIT: '2', QUEUE_CAPACITY: '1', SEND_WAIT_MS: '0' });

  it('answers both in the common shape, with Retry-After', async () => {
    fx.smtp.stall(true);
    try {
      expect((await postJson(`${fx.app.url}/send-email`, email)).status).toBe(202);
      const full = await postJson(`${fx.app.url}/send-email`, email);
      expectErrorBody(full, 503, 'queue_full');
      expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
      const limited = await postJson(`${fx.app.url}/send-email`, email);
      expectErrorBody(limited, 429, 'rate_limited');
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      fx.smtp.stall(false);
    }
  });
});
