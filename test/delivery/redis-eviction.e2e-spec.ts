import { AppProcess, buildApp, runToExit } from '../support/app-process';
import { DedicatedRedis, uniquePrefix } from '../support/redis';
import { freePort } from '../support/smtp-server';
import { request } from '../support/test-app';

/**
 * BullMQ needs `maxmemory-policy noeviction`: an evicting Redis drops queued jobs silently
 * under memory pressure. mailwatch refuses to start on one, with one line saying why.
 */
/** The fatal start-up lines (JSON, "level":"fatal") among BullMQ's own plain warnings. */
function fatalLines(stderr: string): Array<{ msg: string }> {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"level":"fatal"'))
    .map((l) => JSON.parse(l) as { msg: string });
}

describe('redis driver start-up: maxmemory-policy', () => {
  const servers: DedicatedRedis[] = [];
  const apps: AppProcess[] = [];

  const redisWith = async (args: string[]) => {
    const redis = new DedicatedRedis(await freePort(), args);
    servers.push(redis);
    await redis.start();
    return redis;
  };
  const envFor = (redis: DedicatedRedis, extra: Record<string, string> = {}) => ({
    QUEUE_DRIVER: 'redis',
    REDIS_URL: redis.url,
    REDIS_PREFIX: uniquePrefix('evict'),
    SMTP_URL: 'smtp://127.0.0.1:1',
    ...extra,
  });

  beforeAll(() => buildApp(), 120_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await Promise.all(servers.map((redis) => redis.stop()));
  });

  it('refuses an allkeys-lru Redis with a one-line reason and exit code 1', async () => {
    const redis = await redisWith(['--maxmemory-policy', 'allkeys-lru']);
    const run = await runToExit(envFor(redis));
    // BullMQ prints its own "IMPORTANT! Eviction policy …" warning first; ours is the reason.
    const failures = fatalLines(run.stderr);
    expect(run.status).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0].msg).toMatch(/Redis maxmemory-policy is allkeys-lru/);
    expect(failures[0].msg).toContain('REDIS_ALLOW_EVICTION=true');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 30_000);

  it('reads the policy from INFO where CONFIG is refused (managed Redis)', async () => {
    const redis = await redisWith([
      '--maxmemory-policy',
      'volatile-lru',
      '--rename-command',
      'CONFIG',
      '',
    ]);
    const run = await runToExit(envFor(redis));
    expect(run.status).toBe(1);
    expect(fatalLines(run.stderr).map((l) => l.msg)).toEqual([
      expect.stringMatching(/policy is volatile-lru/),
    ]);
  }, 30_000);

  it('starts on an evicting Redis with REDIS_ALLOW_EVICTION=true, and on noeviction', async () => {
    const evicting = await redisWith(['--maxmemory-policy', 'allkeys-lru']);
    const allowed = await AppProcess.start(envFor(evicting, { REDIS_ALLOW_EVICTION: 'true' }));
    apps.push(allowed);
    const safe = await AppProcess.start(
      envFor(await redisWith(['--maxmemory-policy', 'noeviction'])),
    );
    apps.push(safe);
    expect((await request(`${allowed.url}/readyz`)).status).toBe(200);
    expect((await request(`${safe.url}/readyz`)).status).toBe(200);
    expect(allowed.log).toContain('allkeys-lru');
  }, 60_000);
});
