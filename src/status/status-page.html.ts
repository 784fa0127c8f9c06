import { createHash } from 'node:crypto';

/**
 * The status page: one self-contained HTML document (inline CSS and JS, canvas charts, no
 * dependencies). It polls /status/data every POLL_MS and derives rates and quantiles from
 * the difference between two polls, the same way Prometheus' rate() and
 * histogram_quantile() would.
 */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mailwatch status</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0f172a; color: #e2e8f0; }
  header { padding: 12px 20px; display: flex; justify-content: space-between; align-items: baseline; }
  h1 { font-size: 18px; margin: 0; }
  #updated { color: #94a3b8; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; padding: 0 20px; }
  .tile { background: #1e293b; border-radius: 8px; padding: 12px; }
  .tile .label { color: #94a3b8; font-size: 12px; text-transform: uppercase; }
  .tile .value { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .ok { color: #4ade80; } .bad { color: #f87171; } .warn { color: #facc15; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; padding: 12px 20px; }
  .chart { background: #1e293b; border-radius: 8px; padding: 12px; }
  .chart h2 { font-size: 13px; margin: 0 0 6px; color: #cbd5e1; }
  canvas { width: 100%; height: 220px; display: block; }
  .legend span { margin-right: 12px; font-size: 12px; }
</style>
</head>
<body>
<header><h1>mailwatch</h1><span id="updated">connecting…</span></header>
<section class="tiles">
  <div class="tile"><div class="label">emails/s</div><div class="value" id="rate">–</div></div>
  <div class="tile"><div class="label">success rate</div><div class="value" id="success-rate">–</div></div>
  <div class="tile"><div class="label">p50 send latency</div><div class="value" id="p50">–</div></div>
  <div class="tile"><div class="label">p95 send latency</div><div class="value" id="p95">–</div></div>
  <div class="tile"><div class="label">queue size</div><div class="value" id="queue-size">–</div></div>
  <div class="tile"><div class="label">retries (total)</div><div class="value warn" id="retries">–</div></div>
  <div class="tile"><div class="label">sent (total)</div><div class="value ok" id="sent-success">–</div></div>
  <div class="tile"><div class="label">failed (total)</div><div class="value bad" id="sent-failure">–</div></div>
</section>
<section class="charts">
  <div class="chart"><h2>emails/s by client and status</h2><canvas id="rate-chart"></canvas><div class="legend" id="rate-legend"></div></div>
  <div class="chart"><h2>send latency p50 / p95 (s)</h2><canvas id="latency-chart"></canvas><div class="legend" id="latency-legend"></div></div>
  <div class="chart"><h2>queue size</h2><canvas id="queue-chart"></canvas></div>
  <div class="chart"><h2>success rate (%)</h2><canvas id="success-chart"></canvas></div>
</section>
<script>
"use strict";
const POLL_MS = 2000, KEEP = 150;
const COLORS = ['#38bdf8', '#f87171', '#4ade80', '#facc15', '#c084fc', '#fb923c', '#2dd4bf', '#f472b6'];
const dataUrl = location.pathname.replace(/\\/$/, '') + '/data';
const series = { rate: new Map(), latency: new Map([['p50', []], ['p95', []]]), queue: new Map([['queue', []]]), success: new Map([['success', []]]) };
let previous;

function push(map, key, point) {
  if (!map.has(key)) map.set(key, []);
  const list = map.get(key);
  list.push(point);
  if (list.length > KEEP) list.shift();
}

/** histogram_quantile over the bucket increase between two polls (linear within a bucket). */
function quantile(q, buckets) {
  const total = buckets.length ? buckets[buckets.length - 1].count : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerLe = 0, lowerCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      const inBucket = b.count - lowerCount;
      return inBucket <= 0 ? b.le : lowerLe + (b.le - lowerLe) * ((rank - lowerCount) / inBucket);
    }
    lowerLe = b.le; lowerCount = b.count;
  }
  return lowerLe; // beyond the last finite bucket: report its bound, as Prometheus does
}

function fmt(value, digits) {
  return value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function update(data) {
  const success = data.sent.filter((s) => s.status === 'success').reduce((a, s) => a + s.value, 0);
  const failure = data.sent.filter((s) => s.status === 'failure').reduce((a, s) => a + s.value, 0);
  document.getElementById('sent-success').textContent = String(success);
  document.getElementById('sent-failure').textContent = String(failure);
  document.getElementById('queue-size').textContent = String(data.queueSize);
  document.getElementById('retries').textContent = String(data.retries);
  push(series.queue, 'queue', data.queueSize);

  // Rates need two polls; the first one shows lifetime figures.
  const base = previous || { time: data.time - 1, sent: [], duration: { buckets: [], count: 0 } };
  const seconds = Math.max((data.time - base.time) / 1000, 0.001);
  let rate = 0, ok = 0, all = 0;
  for (const s of data.sent) {
    const before = base.sent.find((p) => p.client === s.client && p.status === s.status);
    const delta = Math.max(s.value - (before ? before.value : 0), 0);
    if (previous) push(series.rate, s.client + ' ' + s.status, delta / seconds);
    rate += delta / seconds; all += delta; if (s.status === 'success') ok += delta;
  }
  const windowBuckets = data.duration.buckets.map((b) => {
    const before = base.duration.buckets.find((p) => p.le === b.le);
    return { le: b.le, count: b.count - (before ? before.count : 0) };
  });
  const usable = windowBuckets.length && windowBuckets[windowBuckets.length - 1].count > 0 ? windowBuckets : data.duration.buckets;
  const p50 = quantile(0.5, usable), p95 = quantile(0.95, usable);
  const successRate = all > 0 ? (100 * ok) / all : (success + failure > 0 ? (100 * success) / (success + failure) : null);
  document.getElementById('rate').textContent = previous ? fmt(rate, 1) : '–';
  document.getElementById('success-rate').textContent = successRate === null ? '–' : fmt(successRate, 1) + '%';
  document.getElementById('p50').textContent = p50 === null ? '–' : fmt(p50, 2) + ' s';
  document.getElementById('p95').textContent = p95 === null ? '–' : fmt(p95, 2) + ' s';
  push(series.latency, 'p50', p50 === null ? NaN : p50);
  push(series.latency, 'p95', p95 === null ? NaN : p95);
  push(series.success, 'success', successRate === null ? NaN : successRate);
  previous = data;
  document.getElementById('updated').textContent = 'updated ' + new Date(data.time).toLocaleTimeString();
  draw('rate-chart', series.rate, 'rate-legend');
  draw('latency-chart', series.latency, 'latency-legend');
  draw('queue-chart', series.queue);
  draw('success-chart', series.success, undefined, 100);
}

function draw(id, map, legendId, fixedMax) {
  const canvas = document.getElementById(id);
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = width * ratio; canvas.height = height * ratio;
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  let max = fixedMax || 0;
  for (const list of map.values()) for (const v of list) if (Number.isFinite(v) && v > max) max = v;
  if (max <= 0) max = 1;
  ctx.strokeStyle = '#334155'; ctx.fillStyle = '#94a3b8'; ctx.font = '11px system-ui';
  for (let i = 0; i <= 4; i++) {
    const y = 8 + ((height - 16) * i) / 4;
    ctx.beginPath(); ctx.moveTo(36, y); ctx.lineTo(width, y); ctx.stroke();
    ctx.fillText(fmt(max * (1 - i / 4), max < 10 ? 2 : 0), 0, y + 4);
  }
  let index = 0;
  const legend = [];
  for (const [name, list] of map) {
    const color = COLORS[index++ % COLORS.length];
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
    let started = false;
    list.forEach((v, i) => {
      if (!Number.isFinite(v)) { started = false; return; }
      const x = 36 + ((width - 40) * i) / (KEEP - 1);
      const y = 8 + (height - 16) * (1 - v / max);
      if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
    });
    ctx.stroke();
    // Built through the DOM, not innerHTML: the CSP forbids style attributes in markup.
    const item = document.createElement('span');
    item.style.color = color;
    item.textContent = '\u25A0 ' + name;
    legend.push(item);
  }
  if (legendId) document.getElementById(legendId).replaceChildren(...legend);
}

async function poll() {
  try {
    const response = await fetch(dataUrl, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    update(await response.json());
  } catch (err) {
    document.getElementById('updated').textContent = 'cannot read ' + dataUrl + ': ' + err.message;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}
poll();
</script>
</body>
</html>
`;

const inlineScript = /<script>([\s\S]*?)<\/script>/.exec(STATUS_PAGE_HTML)?.[1] ?? '';
const inlineStyle = /<style>([\s\S]*?)<\/style>/.exec(STATUS_PAGE_HTML)?.[1] ?? '';
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Helmet's default policy forbids inline code; this page allows exactly its own script and
 * style by hash, and talks only to its own origin.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'self'",
  `script-src ${sha256(inlineScript)}`,
  `style-src ${sha256(inlineStyle)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');
