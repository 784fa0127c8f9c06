import type { Writable } from 'node:stream';
import type { Cluster, Redis } from 'ioredis';

/** Sockets already coalescing (ioredis hands a reconnect a new one). */
const coalescing = new WeakSet<Writable>();

/**
 * Every command a connection writes within one turn of the event loop leaves in one socket
 * write (corked until the turn's check phase), in the order issued: the same bytes, fewer
 * syscalls. On loopback a write carries the kernel's whole TCP delivery, and the worker's
 * per-job scripts (one write each, ioredis writes per command) were the largest item of
 * the app's CPU per email (issue 20). Instead of ioredis' auto-pipelining, which builds a
 * Pipeline per batch (copying BullMQ's ~50 script definitions each time) and holds each
 * batch back until the previous one's replies arrive.
 */
export function coalesceWrites(connection: Redis | Cluster): void {
  if (connection.isCluster) {
    connection.on('+node', (node: Redis) => coalesceWrites(node));
    return;
  }
  const redis = connection as Redis;
  redis.on('connect', () => corkPerTurn(redis.stream));
}

function corkPerTurn(socket: Writable | undefined): void {
  if (!socket || coalescing.has(socket)) return;
  coalescing.add(socket);
  const write = socket.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Writable, ...args: Parameters<Writable['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Writable['write'];
}
