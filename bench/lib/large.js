'use strict';
// 100 KB bodies (issue 20's large-message targets): the bodies, and paired rounds of them
// against several apps — used by `npm run bench` (scenario 11) and bench/large-messages.js.
const procs = require('./procs');
const { fire } = require('./load');
const { quiet } = require('./cpu-compare');
const { median } = require('./stats');

/** Requests of each body an app gets before the measured rounds. */
const WARM_UP = Number(process.env.BENCH_LARGE_WARM_UP ?? 1000);

/** ~100 KB of prose: mostly ASCII, a little UTF-8 (accents, a euro sign), lines under 80. */
function largeText(bytes = 100_000) {
  const words = ['delivery', 'relay', 'queue', 'message', 'café', 'naïve', 'price 5 €', 'retry'];
  let out = '';
  let line = '';
  for (let i = 0; Buffer.byteLength(out) < bytes; i++) {
    line += (line ? ' ' : '') + words[(i * 7) % words.length];
    if (line.length > 70) {
      out += `${line}\n`;
      line = '';
    }
  }
  return out;
}

/** ~100 KB of html as templates emit it: long lines (~650 characters, under 998 octets), some UTF-8. */
function largeHtml(bytes = 100_000) {
  let out = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Report</title></head><body>\n';
  for (let row = 0; Buffer.byteLength(out) < bytes; row++) {
    let line = `<table class="r${row}">`;
    while (line.length < 600)
      line += `<tr><td style="padding:4px">Zürich ${row}</td><td>12,50 €</td></tr>`;
    out += `${line}</table>\n`;
  }
  return `${out}</body></html>\n`;
}

const LARGE_BODIES = {
  text: { to: 'someone@example.com', subject: 'large text', text: largeText() },
  html: { to: 'someone@example.com', subject: 'large html', html: largeHtml() },
};

/**
 * Paired rounds: in each round every app gets `requests` of each body in turn (the order
 * rotating), and its CPU per request is read from /proc around them. `apps`: [{ label, app }];
 * adds `cpu: { text: [], html: [] }` (ms per request, one per round) and `non200` to each.
 * `onBatch(app, true)` and `onBatch(app, false, requests)` bracket each measured batch.
 */
async function largeRounds({ sink, apps, rounds, requests, connections, clients, onBatch }) {
  const send = (a, kind, amount) =>
    fire({
      url: `${a.app.url}/send-email`,
      body: LARGE_BODIES[kind],
      connections,
      amount,
      clients,
    });
  for (const a of apps) {
    a.cpu = { text: [], html: [] };
    a.non200 = 0;
    // Warm: V8 was still optimising the large-body path after a few hundred requests (its
    // compiler threads ~5 % of the CPU), which put a first round 20-30 % above the others.
    for (const kind of Object.keys(LARGE_BODIES)) await send(a, kind, WARM_UP);
  }
  await quiet(sink);
  for (let round = 0; round < rounds; round++) {
    const order = apps.map((_, i) => apps[(i + round) % apps.length]);
    for (const kind of Object.keys(LARGE_BODIES)) {
      for (const a of order) {
        const before = procs.cpuSeconds(a.app.pid);
        onBatch?.(a, true);
        const r = await send(a, kind, requests);
        await quiet(sink);
        onBatch?.(a, false, r.total);
        a.cpu[kind].push(((procs.cpuSeconds(a.app.pid) - before) * 1000) / r.total);
        a.non200 += r.total - r.ok200;
      }
    }
  }
  return apps;
}

/** Median CPU ms per request of one app for one body, and its median per-round ratio to `base`. */
function largeFigures(a, base, kind) {
  return {
    cpuMs: median(a.cpu[kind]),
    ratio: median(a.cpu[kind].map((x, i) => x / base.cpu[kind][i])),
  };
}

module.exports = { LARGE_BODIES, largeRounds, largeFigures };
