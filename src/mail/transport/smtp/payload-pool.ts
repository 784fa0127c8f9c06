/**
 * Reused buffers for large wire payloads (wire-text.ts). Every Buffer over 4 KB is memory
 * outside V8's heap, and V8 starts a full collection — marking the whole ~50 MB heap — after
 * about 64 MB of it has been allocated, however briefly each piece lived: a fresh 100 KB
 * payload per message was one full collection per ~400 large messages. With the payloads
 * reused: 2.5 → 0.3 full collections per 1,000 (issue 20, docs/benchmarks.md).
 *
 * A pooled payload is leased: the engine holds it from building to the end of its send
 * (releasePayload), and every socket write of it holds it until the socket is done with its
 * octets (holdPayload). Its buffer goes back to the pool only when nobody holds it, so no
 * write can ever carry another message's octets.
 */
const LEASE = Symbol('payloadLease');

interface Lease {
  holds: number;
  owned: boolean;
  readonly slab: Buffer;
}

type Leased = Buffer & { [LEASE]?: Lease };

/** Payloads from 32 KiB to 1 MiB are pooled, in power-of-two sizes; others are allocated. */
const MIN_POOLED = 32 * 1024;
const MAX_POOLED = 1024 * 1024;
/** What idle buffers may add up to; past it a released buffer is left to the collector. */
const IDLE_BUDGET = 16 * 1024 * 1024;

const idle = new Map<number, Buffer[]>();
let idleBytes = 0;

function sizeClass(size: number): number {
  let cls = MIN_POOLED;
  while (cls < size) cls *= 2;
  return cls;
}

/** A buffer of `size` octets for one payload: pooled (and leased to the caller) when it fits. */
export function payloadBuffer(size: number): Buffer {
  if (size < MIN_POOLED || size > MAX_POOLED) return Buffer.allocUnsafe(size);
  const cls = sizeClass(size);
  let slab = idle.get(cls)?.pop();
  if (slab) idleBytes -= cls;
  else slab = Buffer.allocUnsafeSlow(cls);
  const payload = slab.subarray(0, size) as Leased;
  const lease: Lease = { holds: 0, owned: true, slab };
  Object.defineProperty(payload, LEASE, { value: lease });
  return payload;
}

function giveBack(lease: Lease): void {
  if (lease.owned || lease.holds > 0) return;
  const cls = lease.slab.length;
  if (idleBytes + cls > IDLE_BUDGET) return;
  let list = idle.get(cls);
  if (!list) idle.set(cls, (list = []));
  list.push(lease.slab);
  idleBytes += cls;
}

/**
 * Holds `data` for one write: the function returned lets it go (once; later calls do
 * nothing). `undefined` when `data` is not a pooled payload. `false` when its lease has
 * ended and its buffer may already carry another message: it must not be written.
 */
export function holdPayload(data: string | Buffer): (() => void) | undefined | false {
  const lease = typeof data === 'string' ? undefined : (data as Leased)[LEASE];
  if (!lease) return undefined;
  if (!lease.owned && lease.holds === 0) return false;
  lease.holds++;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    lease.holds--;
    giveBack(lease);
  };
}

/** The engine is done with `payload`: it returns to the pool once no write holds it. */
export function releasePayload(payload: string | Buffer): void {
  const lease = typeof payload === 'string' ? undefined : (payload as Leased)[LEASE];
  if (!lease?.owned) return;
  lease.owned = false;
  giveBack(lease);
}

/** Idle buffers and their bytes (tests, and the engine's stats if ever wanted). */
export function idlePayloads(): { buffers: number; bytes: number } {
  let buffers = 0;
  for (const list of idle.values()) buffers += list.length;
  return { buffers, bytes: idleBytes };
}
