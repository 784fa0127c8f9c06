import { Cluster, type Redis } from 'ioredis';

/**
 * How many replicas hold this connection's writes so far (WAIT), so that an email is
 * acknowledged only once a failover cannot lose it: Sentinel and Cluster promote the
 * replica with the most data. In a cluster, WAIT goes to the master of the slot all of
 * mailwatch's keys share (one hash tag), on the connection the writes went through.
 */
export class ReplicaAck {
  private slot?: number;

  constructor(
    private readonly connection: Redis,
    /** Replicas required (REDIS_WAIT_REPLICAS); 0 = acknowledge on the master's word. */
    readonly required: number,
    private readonly timeoutMs: number,
  ) {}

  /** Replicas that acknowledged; WAIT itself gives up after half the request bound. */
  async ack(anyKey: string): Promise<number> {
    const node = await this.nodeOf(anyKey);
    const waitMs = Math.max(1, Math.floor(this.timeoutMs / 2));
    return Number(await node.call('WAIT', this.required, waitMs));
  }

  private async nodeOf(key: string): Promise<Redis> {
    const cluster = this.connection as unknown;
    if (!(cluster instanceof Cluster)) return this.connection;
    this.slot ??= Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
    const master = cluster.slots[this.slot]?.[0];
    const node = cluster
      .nodes('master')
      .find((n) => `${n.options.host}:${n.options.port}` === master);
    if (!node) throw new Error(`no connection to the master of slot ${this.slot}`);
    return node;
  }
}
