import type { Redis } from 'ioredis';
import { WebhookOutbox, type NewOutboxEvent, type OutboxEvent } from './webhook-outbox';

/**
 * Adds events not already pending (and, for derived ids, not delivered within the TTL); the
 * first of its email and endpoint becomes due at once, the others wait in its chain.
 * KEYS: due zset, backlog counter. ARGV: base, ttl seconds, then 8 fields per event.
 */
const ADD = `
local base, ttl = ARGV[1], tonumber(ARGV[2])
for i = 3, #ARGV, 8 do
  local id, endpoint, email, created = ARGV[i], ARGV[i+1], ARGV[i+3], ARGV[i+6]
  local ev = base .. 'ev:' .. id
  local fresh = redis.call('EXISTS', ev) == 0
  if fresh and ARGV[i+7] == '1' then
    fresh = redis.call('SET', base .. 'seen:' .. id, '1', 'NX', 'EX', ttl) ~= false
  end
  if fresh then
    redis.call('HSET', ev, 'endpoint', endpoint, 'client', ARGV[i+2], 'emailId', email,
      'type', ARGV[i+4], 'body', ARGV[i+5], 'createdAt', created, 'attempts', 0)
    if redis.call('RPUSH', base .. 'chain:' .. endpoint .. ':' .. email, id) == 1 then
      redis.call('ZADD', KEYS[1], created, id)
    end
    redis.call('INCR', KEYS[2])
  end
end
return 0`;

/** KEYS: due. ARGV: base, now, limit, leaseUntil. Leases and returns the due events. */
const CLAIM = `
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local ev = ARGV[1] .. 'ev:' .. id
  if redis.call('EXISTS', ev) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[4], id)
    local attempts = redis.call('HINCRBY', ev, 'attempts', 1)
    local f = redis.call('HMGET', ev, 'endpoint', 'client', 'emailId', 'type', 'body', 'createdAt')
    table.insert(out, {id, f[1], f[2], f[3], f[4], f[5], f[6], attempts})
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`;

/** KEYS: due, backlog. ARGV: base, id, now. Removes the event; its chain's next becomes due. */
const DONE = `
local ev = ARGV[1] .. 'ev:' .. ARGV[2]
local f = redis.call('HMGET', ev, 'endpoint', 'emailId')
redis.call('ZREM', KEYS[1], ARGV[2])
if not f[1] then return 0 end
redis.call('DEL', ev)
redis.call('DECR', KEYS[2])
local chain = ARGV[1] .. 'chain:' .. f[1] .. ':' .. f[2]
redis.call('LREM', chain, 1, ARGV[2])
local nxt = redis.call('LINDEX', chain, 0)
if nxt then redis.call('ZADD', KEYS[1], ARGV[3], nxt) end
return 1`;

type ClaimRow = [string, string, string, string, string, string, string, number];

/**
 * QUEUE_DRIVER=redis: one outbox shared by every replica, in the Redis that holds the
 * emails. Any replica delivers any event; a claim is a lease (the due time moves past the
 * request's timeout), so a replica killed mid-request leaves its events due again for the
 * others. One hash per event, a list per email and endpoint (order: only its head is in the
 * due set), a due set scored by time, and a backlog counter, all changed by Lua scripts so
 * each step is atomic. Keys live under REDIS_PREFIX (one hash slot in a cluster).
 */
export class RedisWebhookOutbox extends WebhookOutbox {
  private readonly base: string;
  private readonly due: string;
  private readonly count: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** How long a derived webhook-id is remembered after delivery (WEBHOOK_MAX_AGE_SECONDS). */
    private readonly rememberSeconds: number,
  ) {
    super();
    this.base = `${prefix}:wh:`;
    this.due = `${this.base}due`;
    this.count = `${this.base}backlog`;
  }

  async add(events: NewOutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const args = events.flatMap((e) => [
      e.id,
      e.endpoint,
      e.client,
      e.emailId,
      e.type,
      e.body,
      String(e.createdAt),
      // Random ids never repeat; only derived ones need remembering after delivery.
      e.id.includes('.') ? '1' : '0',
    ]);
    await this.redis.eval(
      ADD,
      2,
      this.due,
      this.count,
      this.base,
      String(this.rememberSeconds),
      ...args,
    );
  }

  async claim(now: number, limit: number, leaseUntil: number): Promise<OutboxEvent[]> {
    const rows = (await this.redis.eval(
      CLAIM,
      1,
      this.due,
      this.base,
      String(now),
      String(limit),
      String(leaseUntil),
    )) as ClaimRow[];
    return rows.map(([id, endpoint, client, emailId, type, body, createdAt, attempts]) => ({
      id,
      endpoint,
      client,
      emailId,
      type,
      body,
      createdAt: Number(createdAt),
      attempts: Number(attempts),
    }));
  }

  async done(id: string): Promise<void> {
    await this.redis.eval(DONE, 2, this.due, this.count, this.base, id, String(Date.now()));
  }

  async retryAt(id: string, dueAt: number): Promise<void> {
    // XX: an event another replica finished meanwhile is not brought back.
    await this.redis.zadd(this.due, 'XX', dueAt, id);
  }

  async backlog(): Promise<number> {
    return Math.max(0, Number((await this.redis.get(this.count)) ?? 0));
  }

  /** The connection is RedisConnections' to close. */
  close(): void {}
}
