import { Socket } from 'node:net';

/**
 * nodemailer's `getSocket` hook, handing it an unconnected socket with Nagle's algorithm off.
 * nodemailer writes each SMTP command as its own small packet; with Nagle on, every
 * command after the first waits for the peer's delayed ACK (~40 ms), which capped a
 * pooled connection at ~22 messages/s (../docs/benchmarks.md). nodemailer connects the
 * socket itself, so DNS, timeouts, implicit TLS and STARTTLS behave as without the hook.
 */
export function getNoDelaySocket(
  _options: unknown,
  callback: (err: Error | null, socketOptions: { socket: Socket }) => void,
): void {
  const socket = new Socket();
  socket.setNoDelay(true);
  setImmediate(() => callback(null, { socket }));
}
