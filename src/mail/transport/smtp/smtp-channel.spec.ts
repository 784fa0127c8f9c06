import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { SmtpChannel } from './smtp-channel';
import { engineOptions } from './smtp-options';
import { payloadBuffer, releasePayload } from './payload-pool';

/** A loopback peer that reads nothing until told to: the channel's writes stay in flight. */
async function stalledPeer(): Promise<{ server: Server; peer: Promise<Socket>; port: number }> {
  const server = createServer({ pauseOnConnect: true });
  const peer = once(server, 'connection').then(([socket]) => socket as Socket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, peer, port: (server.address() as AddressInfo).port };
}

/** Reads from `socket` until `count` octets have arrived; resolves with them. */
function readAll(socket: Socket, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= count) resolve(Buffer.concat(chunks));
    });
    socket.resume();
  });
}

const SIZE = 300_000;

describe('SmtpChannel and pooled payloads', () => {
  let server: Server;
  afterEach(() => new Promise((resolve) => server?.close(resolve)));

  it('keeps a pooled payload out of the pool until the socket has written it', async () => {
    const stalled = await stalledPeer();
    server = stalled.server;
    const channel = await SmtpChannel.open(
      engineOptions({ host: '127.0.0.1', port: stalled.port, secure: false }),
    );
    const peer = await stalled.peer;
    // Fills the socket's buffers first, so the payload's write is still pending below.
    const filler = 'x'.repeat(16 * 1024 * 1024);
    channel.write(filler);
    const payload = payloadBuffer(SIZE).fill(0x61);
    channel.write(payload, '[message]');
    releasePayload(payload); // the engine's send is over; the write is not
    await new Promise((resolve) => setImmediate(resolve)); // flushed to the socket by now

    const meanwhile = payloadBuffer(SIZE);
    expect(meanwhile.buffer).not.toBe(payload.buffer);
    releasePayload(meanwhile);

    const received = await readAll(peer, filler.length + SIZE);
    expect(received.subarray(filler.length).every((octet) => octet === 0x61)).toBe(true);
    // Written: the next payload of its size class may take its buffer again, once the
    // socket has called back (it does after the data is handed to the kernel).
    let reused = false;
    for (let i = 0; i < 50 && !reused; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      const next = payloadBuffer(SIZE);
      reused = next.buffer === payload.buffer;
      releasePayload(next);
    }
    expect(reused).toBe(true);
    channel.destroy();
    peer.destroy();
  });

  it('lets go of a payload whose connection is destroyed before it is written', async () => {
    const stalled = await stalledPeer();
    server = stalled.server;
    const channel = await SmtpChannel.open(
      engineOptions({ host: '127.0.0.1', port: stalled.port, secure: false }),
    );
    const peer = await stalled.peer;
    channel.write('x'.repeat(16 * 1024 * 1024));
    const payload = payloadBuffer(SIZE);
    channel.write(payload, '[message]');
    releasePayload(payload);
    channel.destroy();
    let reused = false;
    for (let i = 0; i < 50 && !reused; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      const next = payloadBuffer(SIZE);
      reused = next.buffer === payload.buffer;
      releasePayload(next);
    }
    expect(reused).toBe(true);
    peer.destroy();
  });

  it('never writes a payload whose send has ended, and closes the connection instead', async () => {
    const stalled = await stalledPeer();
    server = stalled.server;
    const channel = await SmtpChannel.open(
      engineOptions({ host: '127.0.0.1', port: stalled.port, secure: false }),
    );
    const peer = await stalled.peer;
    const closed = new Promise<void>((resolve) => (channel.onClose = resolve));
    const payload = payloadBuffer(SIZE).fill(0x62);
    releasePayload(payload);
    channel.write('DATA\r\n');
    channel.write(payload, '[message]');
    await closed;
    expect(channel.closed).toBe(true);
    const chunks: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => chunks.push(chunk));
    peer.resume();
    await once(peer, 'end');
    expect(Buffer.concat(chunks).toString('latin1')).toBe('DATA\r\n');
    peer.destroy();
  });
});
