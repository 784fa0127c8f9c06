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

/** Whether the pool hands `payload`'s buffer to a new payload within a few turns. */
async function reusedSoon(payload: Buffer): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    const next = payloadBuffer(SIZE);
    releasePayload(next);
    if (next.buffer === payload.buffer) return true;
  }
  return false;
}

describe('SmtpChannel and pooled payloads', () => {
  let server: Server;
  afterEach(() => new Promise((resolve) => server?.close(resolve)));

  const connect = async () => {
    const stalled = await stalledPeer();
    server = stalled.server;
    const channel = await SmtpChannel.open(
      engineOptions({ host: '127.0.0.1', port: stalled.port, secure: false }),
    );
    return { channel, peer: await stalled.peer };
  };

  it('keeps a pooled payload out of the pool until the socket has written it', async () => {
    const { channel, peer } = await connect();
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
    expect(await reusedSoon(payload)).toBe(true);
    channel.destroy();
    peer.destroy();
  });

  it('lets go of a payload whose connection is destroyed before it is written', async () => {
    const { channel, peer } = await connect();
    channel.write('x'.repeat(16 * 1024 * 1024));
    const payload = payloadBuffer(SIZE);
    channel.write(payload, '[message]');
    releasePayload(payload);
    channel.destroy();
    expect(await reusedSoon(payload)).toBe(true);
    peer.destroy();
  });

  it('never writes a payload whose send has ended, and closes the connection instead', async () => {
    const { channel, peer } = await connect();
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
