import type { Redis } from 'ioredis';
import type { RecipientOutcome } from './recipient-outcomes';
import type { RecipientOutcomeStore } from './recipient-outcome-store';

/**
 * KEYS[1] the email's hash, KEYS[2] its order list; ARGV: address, type, outcome JSON, TTL ms.
 * Atomic, so two replicas processing reports for one email cannot let a soft one replace a hard.
 */
const RECORD = `
local earlier = redis.call('HGET', KEYS[1], ARGV[1])
if earlier and ARGV[2] == 'soft' and cjson.decode(earlier).type == 'hard' then return 0 end
if not earlier then redis.call('RPUSH', KEYS[2], ARGV[1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`;

/**
 * QUEUE_DRIVER=redis: shared by every replica, so a bounce one replica processed shows at
 * GET /emails/:id on any. Per email a hash (address → outcome) and a list of addresses in
 * report order; both expire `retentionMs` after the last report.
 */
export class RedisRecipientOutcomeStore implements RecipientOutcomeStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionMs: number,
  ) {}

  private keys(emailId: string): [string, string] {
    // One hash tag: both keys in one cluster slot, as the script needs.
    const base = `${this.prefix}:recipients:{${emailId}}`;
    return [base, `${base}:order`];
  }

  async record(emailId: string, outcome: RecipientOutcome): Promise<void> {
    const [hash, order] = this.keys(emailId);
    await this.redis.eval(
      RECORD,
      2,
      hash,
      order,
      outcome.address,
      outcome.type,
      JSON.stringify(outcome),
      String(this.retentionMs),
    );
  }

  async list(emailId: string): Promise<RecipientOutcome[]> {
    const [hash, order] = this.keys(emailId);
    const addresses = await this.redis.lrange(order, 0, -1);
    if (addresses.length === 0) return [];
    const values = await this.redis.hmget(hash, ...addresses);
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as RecipientOutcome);
  }
}
