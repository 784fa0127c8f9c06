import Fastify from 'fastify';
import { connect, type Socket } from 'node:net';
import { answerWhileClosing } from './closing-answer';

/** Sends one request on `socket` and resolves with the raw response (headers and body). */
function send(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve) => {
    let raw = '';
    const onData = (chunk: Buffer) => {
      raw += chunk.toString();
      const head = raw.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(raw)?.[1];
      if (head >= 0 && length !== undefined && raw.length >= head + 4 + Number(length)) {
        socket.off('data', onData);
        resolve(raw);
      }
    };
    socket.on('data', onData);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
  });
}

describe('answerWhileClosing', () => {
  it('answers a request on a kept-alive connection while the server closes: 503, body, Retry-After', async () => {
    const fastify = Fastify({ return503OnClosing: false });
    answerWhileClosing(fastify);
    // Another plugin still closing (a slow preClose hook) keeps the server open meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let closingBegan!: () => void;
    const began = new Promise<void>((resolve) => (closingBegan = resolve));
    fastify.addHook('preClose', async () => {
      closingBegan();
      await gate;
    });
    fastify.get('/fast', () => ({ ok: true }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as { port: number };

    const socket = connect(port, '127.0.0.1');
    expect(await send(socket, '/fast')).toMatch(/^HTTP\/1\.1 200/);
    const closed = fastify.close();
    await began;
    const answer = await send(socket, '/fast');
    release();
    await closed;
    socket.destroy();

    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect(answer).toMatch(/\r\nretry-after: 10\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({ statusCode: 503, code: 'service_unavailable' });
    expect(body.message).toMatch(/nothing was queued/);
  });
});
