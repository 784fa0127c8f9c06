import { ConfigValidationError, EnvReader } from './env-reader';
import { parseQueueConfig } from './queue.config';
import { parseRedisTopology } from './redis-topology';

const topology = (env: Record<string, string>) => parseRedisTopology(new EnvReader(env));

describe(parseRedisTopology.name, () => {
  it('is one server by default', () => {
    expect(topology({})).toEqual({ kind: 'single' });
  });

  it('reads sentinels, the master name and the sentinel password', () => {
    expect(
      topology({
        REDIS_SENTINELS: 's0:26379, s1:26380',
        REDIS_SENTINEL_MASTER: 'mymaster',
        REDIS_SENTINEL_PASSWORD: 'pw',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's0', port: 26379 },
        { host: 's1', port: 26380 },
      ],
      master: 'mymaster',
      sentinelPassword: 'pw',
    });
  });

  it('names the variable for a missing master, a bad node and both topologies at once', () => {
    expect(() => topology({ REDIS_SENTINELS: 's0:26379' })).toThrow(/REDIS_SENTINEL_MASTER/);
    expect(() => topology({ REDIS_CLUSTER_NODES: 'n0:6379,n1' })).toThrow(ConfigValidationError);
    expect(() => topology({ REDIS_CLUSTER_NODES: 'n0:99999' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => topology({ REDIS_CLUSTER_NODES: 'n0:6379', REDIS_SENTINELS: 's0:26379' })).toThrow(
      /choose Sentinel or Cluster/,
    );
  });

  it('hash-tags the prefix in a cluster and waits for a replica by default there', () => {
    const cluster = parseQueueConfig({ REDIS_CLUSTER_NODES: 'n0:6379' });
    expect(cluster.redisPrefix).toBe('{mailwatch}');
    expect(cluster.redisWaitReplicas).toBe(1);
    expect(
      parseQueueConfig({ REDIS_CLUSTER_NODES: 'n0:6379', REDIS_PREFIX: 'a-{b}' }).redisPrefix,
    ).toBe('a-{b}');
    const single = parseQueueConfig({});
    expect(single.redisPrefix).toBe('mailwatch');
    expect(single.redisWaitReplicas).toBe(0);
    expect(single.redisAllowEviction).toBe(false);
  });
});
