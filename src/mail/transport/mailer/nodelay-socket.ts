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
 *
 * A failed connect is NOT passed to nodemailer as an error: its pool never frees a slot whose
 * `getSocket` failed, so after SMTP_POOL_SIZE failures it stopped sending for good (issue 12,
 * test/delivery/mailer-pool-recovery.e2e-spec.ts). Instead nodemailer is told to connect
 * itself (no socket options): that connect fails through its own path, which frees the slot
 * and classifies the error as before. The cost is a second connect attempt, on failure only.
 */
export function getNoDelaySocket(
  options: SocketTarget,
  callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
): void {
  const socket = connect({ host: options.host, port: options.port ?? 25 });
  socket.setNoDelay(true);
  const timer = setTimeout(() => {
    socket.destroy();
    finish(false);
  }, options.connectionTimeout ?? 120_000);
  let done = false;
  function finish(connected: boolean): void {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('error', onError);
    if (connected) callback(null, { connection: socket });
    else callback(null); // nodemailer connects (and fails) on its own path: see above
  }
  const onError = () => finish(false);
  socket.once('error', onError);
  socket.once('connect', () => finish(true));
}
