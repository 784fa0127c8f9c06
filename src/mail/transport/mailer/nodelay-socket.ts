import { connect, type Socket } from 'node:net';

interface SocketTarget {
  host?: string;
  port?: number;
  connectionTimeout?: number;
}

/**
 * nodemailer's `getSocket` hook, handing it a connected socket with Nagle's algorithm off.
 * nodemailer writes each SMTP command as its own small packet; with Nagle on, every
 * command after the first waits for the peer's delayed ACK (~40 ms), which capped a
 * pooled connection at ~22 messages/s (../docs/benchmarks.md).
 * It must be `{ connection }`, already connected: nodemailer's pool ignores an unconnected
 * `{ socket }` (it only merges socket options that carry `connection`), which silently left
 * Nagle on. nodemailer still runs the greeting, STARTTLS, implicit TLS (it upgrades a
 * `secure` connection itself) and its greeting/socket timeouts; the connect timeout is ours.
 */
export function getNoDelaySocket(
  options: SocketTarget,
  callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
): void {
  const socket = connect({ host: options.host, port: options.port ?? 25 });
  socket.setNoDelay(true);
  const timer = setTimeout(() => {
    socket.destroy();
    // The same code nodemailer gives its own connect timeout, so it classifies alike.
    finish(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }));
  }, options.connectionTimeout ?? 120_000);
  let done = false;
  function finish(err: Error | null): void {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('error', finish);
    if (err) callback(err);
    else callback(null, { connection: socket });
  }
  socket.once('error', finish);
  socket.once('connect', () => finish(null));
}
