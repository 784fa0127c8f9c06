import { Logger } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';

/** How long a master's count of connected replicas is trusted before INFO is asked again. */
const REPLICAS_FRESH_MS = 1_000;

/**
 * How many replicas hold this connection's writes so far (WAIT), so that an email is
 * acknowledged only once a failover cannot lose it: Sentinel and Cluster promote the
 * replica with the most data. In a cluster, WAIT goes to the master of the slot all of
 * mailwatch's keys share (one hash tag), on the connection the writes went through.
 *
 * A master with fewer connected replicas than required (a replica just promoted after a
 * failover has none until another attaches) is asked for as many as it has: waiting for
 * replicas that do not exist would refuse every email (503) until an operator acts, a full
 * intake outage caused by the failover meant to prevent one. While so degraded an email the
 * master acknowledges alone can be lost with that master; it is logged once when it starts
 * and once when it ends (README, "Redis: Sentinel, Cluster, noeviction").
 */
export class ReplicaAck {
  private readonly logger = new Logger('Redis');
  private slot?: number;
  private known?: { node: Redis; replicas: number; at: number };
  private degraded = false;
  /** Replicas the master lacked against `required` at the last acknowledgement (0 = none). */
  missing = 0;
  /** The master's replication id at the last confirmAll (a failover changes it). */
  private replid?: string;

  constructor(
    private readonly connection: Redis,
    /** Replicas required (REDIS_WAIT_REPLICAS); 0 = acknowledge on the master's word. */
    readonly required: number,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Replicas that acknowledged and how many were needed (the required count, or fewer when
   * the master has fewer connected); WAIT itself gives up after half the request bound.
   */
  async ack(anyKey: string): Promise<{ acked: number; needed: number }> {
    const node = await this.nodeOf(anyKey);
    const needed = Math.min(this.required, await this.connectedReplicas(node));
    this.report(needed < this.required, needed);
    if (needed === 0) return { acked: 0, needed };
    const waitMs = Math.max(1, Math.floor(this.timeoutMs / 2));
    return { acked: Number(await node.call('WAIT', needed, waitMs)), needed };
  }

  /**
   * Whether every write made so far on any connection to the master of `markerKey`'s slot
   * (the worker's moves included) is held by the replicas the master has, and no failover
   * happened since the last call (a promoted replica starts a new replication id): a marker
   * write on our connection, then WAIT for it — replication is one ordered stream, so its
   * acknowledgement covers every earlier write. False when that cannot be told.
   */
  async confirmAll(markerKey: string): Promise<boolean> {
    const node = await this.nodeOf(markerKey);
    const info = (await node.call('INFO', 'replication')) as string;
    const replid = /^master_replid:(\w+)/m.exec(info)?.[1];
    const replicas = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? this.required);
    const switched = this.replid !== undefined && replid !== this.replid;
    this.replid = replid;
    const needed = Math.min(this.required, replicas);
    if (switched) return false;
    if (needed === 0) return true;
    await node.call('INCR', markerKey);
    const waitMs = Math.max(1, Math.floor(this.timeoutMs / 2));
    return Number(await node.call('WAIT', needed, waitMs)) >= needed;
  }

  private async connectedReplicas(node: Redis): Promise<number> {
    const now = Date.now();
    if (this.known?.node === node && now - this.known.at < REPLICAS_FRESH_MS) {
      return this.known.replicas;
    }
    const info = (await node.call('INFO', 'replication')) as string;
    const match = /^connected_slaves:(\d+)/m.exec(info);
    // Unreadable: assume the replicas are there, and let WAIT decide.
    const replicas = match ? Number(match[1]) : this.required;
    this.known = { node, replicas, at: now };
    return replicas;
  }

  private report(degraded: boolean, replicas: number): void {
    this.missing = this.required - replicas;
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    if (degraded) {
      this.logger.warn({
        msg: 'Redis master has fewer replicas than REDIS_WAIT_REPLICAS; emails are acknowledged with the replicas it has',
        required: this.required,
        connectedReplicas: replicas,
      });
    } else {
      this.logger.log({ msg: 'Redis master has its replicas again', required: this.required });
    }
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
