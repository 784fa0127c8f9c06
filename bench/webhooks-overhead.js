'use strict';
// Paired bench for issue 22: app CPU per request of POST /send-email with the feedback
// feature present but no webhooks configured, against builds without it. The feature cannot
// be compiled out, so each variant is a build: BENCH_BASE_DIST (e.g. main before the feedback
// merge, built in a scratch copy) is the reference; BENCH_OTHER_DISTS (comma-separated) and
// this checkout's dist/ are compared with it, side by side under one open-loop load
// (lib/cpu-compare.js: same rate, per-round ratios, an A/A control for the noise floor).
//   BENCH_BASE_DIST=/tmp/base/dist node bench/webhooks-overhead.js
const path = require('node:path');
const procs = require('./lib/procs');
const { compareCpu } = require('./lib/cpu-compare');

const envInt = (name, fallback) => Number(process.env[name] ?? fallback);
const base = process.env.BENCH_BASE_DIST;
if (!base) throw new Error('BENCH_BASE_DIST must name the reference build’s dist/ directory');
const others = (process.env.BENCH_OTHER_DISTS ?? '').split(',').filter(Boolean);
const here = path.join(__dirname, '..', 'dist');

async function main() {
  const sink = await procs.startSink();
  try {
    const variants = [base, ...others, here].map((dist) => ({
      label: path.relative(process.cwd(), dist) || dist,
      env: { BENCH_MAIN: path.join(dist, 'main.js') },
    }));
    const result = await compareCpu({
      sink,
      variants,
      appEnv: (s, extra) => ({ SMTP_URL: s.url, QUEUE_DRIVER: 'memory', ...extra }),
      startApp: (env, _label, options) => procs.startApp(env, { ...options, main: env.BENCH_MAIN }),
      rate: envInt('BENCH_CPU_RATE', 400),
      requests: envInt('BENCH_CPU_REQUESTS', 2000),
      rounds: envInt('BENCH_CPU_ROUNDS', 10),
      warmup: envInt('BENCH_CPU_WARMUP', 6000),
      clients: ['alpha', 'beta', 'gamma', 'delta'],
    });
    for (const v of result.variants) {
      const pct = (x) => `${((x - 1) * 100).toFixed(1)} %`;
      console.log(
        `${v.label}${v.control ? ' (A/A)' : ''}: ${v.cpuMs.toFixed(3)} ms CPU/request, ` +
          `median ratio ${pct(v.ratio)} (range ${pct(v.min)} … ${pct(v.max)}), non-200 ${v.non200}`,
      );
    }
    console.log(
      JSON.stringify({ pinned: result.pinned, rate: result.rate, rounds: result.rounds }),
    );
  } finally {
    await sink.stop();
    await procs.stopAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
