'use strict';
// Groups a .cpuprofile's non-idle self time into the hot path's pieces (for docs/benchmarks.md).
//   node bench/profile-groups.js bench/profiles/hot-<label>-*.cpuprofile [requests]   (per-request ms with a count)
const fs = require('node:fs');
const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const requests = Number(process.argv[3] ?? 0);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const groups = {};
const rules = [
  [/rxjs|interceptors-consumer|pass-through/, 'interceptor chain (rxjs, Nest consumer)'],
  [
    /pino|nestjs-pino|lazy-request-logger|event-lines|request-logger|@pinojs|sonic-boom|pino-http|pino-std/,
    'logging (pino, nestjs-pino, pino-http)',
  ],
  [
    /class-validator|class-transformer|validator\/|validation\.pipe|core\/validation|precheck|mailbox/,
    'validation (class-validator/-transformer, pipe, precheck)',
  ],
  [/prom-client|http-metrics|email-metrics|client-labels/, 'metrics (prom-client + ours)'],
  [
    /@nestjs\/core|@nestjs\/common|@nestjs\/platform|reflect-metadata|tslib|@nestjs\/throttler|middie|throttler/,
    'Nest core, guards, middleware (middie)',
  ],
  [
    /fastify|find-my-way|secure-json|avvio|toad|light-my|helmet|request-hardening|request-id/,
    'Fastify, helmet, JSON parse',
  ],
  [/\/(mail|core|security|logging|metrics)\//, 'app code (service, queue, controller)'],
  [/^node:|^$/, 'node core + V8 (sockets, streams, timers, GC)'],
];
let total = 0;
for (const [id, us] of self) {
  const { callFrame: cf } = byId.get(id);
  if (cf.functionName === '(idle)') continue;
  if (/wrapSafe|compileForInternalLoader|readFileUtf8|internalModuleStat/.test(cf.functionName))
    continue; // start-up module loading
  total += us;
  const url = cf.url || '';
  const g = (rules.find(([rx]) => rx.test(url)) ?? [
    null,
    url.startsWith('node:') || !url ? 'node core + V8 (sockets, streams, timers, GC)' : 'other',
  ])[1];
  groups[g] = (groups[g] ?? 0) + us;
}
const perRequest = (us) =>
  requests > 0 ? `  ${(us / 1000 / requests).toFixed(3)} ms/request` : '';
for (const [g, us] of Object.entries(groups).sort((a, b) => b[1] - a[1])) {
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %${perRequest(us)}  ${g}`);
}
console.log(`busy ${(total / 1e6).toFixed(2)} s (module loading left out)${perRequest(total)}`);
