/** Why a connection was refused (the `reason` label of the refusal counter). */
export type ConnectionRefusal = 'max_connections' | 'max_per_ip';

/**
 * Open SMTP sessions in this process, in total and per remote address: one misbehaving
 * tool (a retry loop, a stuck printer) must not take every slot from the others.
 * smtp-server's own maxClients stays as a backstop above this (it also bounds TLS handshakes
 * before a session exists) but cannot be counted; this gate can.
 */
export class ConnectionGate {
  private readonly byAddress = new Map<string, number>();
  private readonly open = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Admits session `id` from `address`, or names why not (nothing counted then). */
  admit(id: string, address: string): ConnectionRefusal | undefined {
    if (this.open.size >= this.max) return 'max_connections';
    const held = this.byAddress.get(address) ?? 0;
    if (held >= this.maxPerAddress) return 'max_per_ip';
    this.open.add(id);
    this.byAddress.set(address, held + 1);
    return undefined;
  }

  /** Session `id` ended; a refused or unknown one is ignored. */
  release(id: string, address: string): void {
    if (!this.open.delete(id)) return;
    const held = (this.byAddress.get(address) ?? 1) - 1;
    if (held <= 0) this.byAddress.delete(address);
    else this.byAddress.set(address, held);
  }

  get size(): number {
    return this.open.size;
  }
}
