import { createHash } from 'node:crypto';
import { STATUS_PAGE_CHARTS } from './status-page.charts';

/**
 * The status page: one self-contained HTML document (inline CSS and JS, canvas charts, no
 * dependencies) about the replica that serves it. On load it draws the server's history (the
 * last hour), then polls /status/data?since=… every POLL_MS for new samples. Rates and
 * quantiles come from differences between samples, as Prometheus' rate() and
 * histogram_quantile() would compute them.
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
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px; padding: 0 20px; }
  .tile { background: #1e293b; border-radius: 8px; padding: 12px; }
  .tile .label { color: #94a3b8; font-size: 12px; text-transform: uppercase; }
  .tile .value { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .ok { color: #4ade80; } .bad { color: #f87171; } .warn { color: #facc15; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; padding: 12px 20px; }
  .chart { background: #1e293b; border-radius: 8px; padding: 12px; }
  .chart h2 { font-size: 13px; margin: 0 0 6px; color: #cbd5e1; }
  canvas { width: 100%; height: 220px; display: block; }
  .legend span { margin-right: 12px; font-size: 12px; }
  .scope { color: #94a3b8; padding: 0 20px 10px; margin: 0; }
  .scope a { color: #38bdf8; }
  .ops { padding: 0 20px 10px; margin: 0; }
  .ops a { color: #38bdf8; }
  .ops .relay { margin-right: 4px; }
  .ops .hint { color: #94a3b8; font-size: 12px; }
  .clients { padding: 0 20px 12px; }
  .caption { color: #94a3b8; font-size: 13px; margin: 0 0 6px; }
  .clients table { border-collapse: collapse; background: #1e293b; border-radius: 8px; }
  .clients th, .clients td { padding: 4px 12px; text-align: right; font-variant-numeric: tabular-nums; }
  .clients th:first-child, .clients td:first-child { text-align: left; }
</style>
</head>
<body>
<header><h1>mailwatch · this replica</h1><span id="updated">connecting…</span></header>
<p class="scope">Every figure below is <strong>this replica's</strong> own (<span id="replica">…</span>), not the whole deployment's.
<a id="grafana" hidden>All replicas: the Grafana dashboard</a></p>
<p class="ops">intake: <span id="intake">…</span> · relays: <span id="relays">…</span> ·
<a id="dead-letters" title="GET /emails?status=failed: the API, it needs your API key">dead letters: <strong id="dead-letter-count">–</strong></a>
<span class="hint">(<span id="dead-letter-scope">…</span>; the listing is the API and needs your API key)</span></p>
<section class="tiles">
  <div class="tile"><div class="label">emails/s (this replica)</div><div class="value" id="rate">–</div></div>
  <div class="tile"><div class="label">success rate (1 min)</div><div class="value" id="success-rate">–</div></div>
  <div class="tile"><div class="label">p50 send latency</div><div class="value" id="p50">–</div></div>
  <div class="tile"><div class="label">p95 send latency</div><div class="value" id="p95">–</div></div>
  <div class="tile"><div class="label">queue size</div><div class="value" id="queue-size">–</div></div>
  <div class="tile"><div class="label">retries (since start)</div><div class="value warn" id="retries">–</div></div>
  <div class="tile"><div class="label">sent (since start)</div><div class="value ok" id="sent-success">–</div></div>
  <div class="tile"><div class="label">failed (since start)</div><div class="value bad" id="sent-failure">–</div></div>
</section>
<section class="clients"><h2 class="caption">by client (top 10 by volume; <span id="client-scope">…</span>)</h2>
<table><thead><tr><th>client</th><th>sent</th><th>failed</th></tr></thead><tbody id="clients"></tbody></table></section>
<section class="charts">
  <div class="chart"><h2>emails/s by status</h2><canvas id="rate-chart"></canvas><div class="legend" id="rate-legend"></div></div>
  <div class="chart"><h2>send latency p50 / p95 (s)</h2><canvas id="latency-chart"></canvas><div class="legend" id="latency-legend"></div></div>
  <div class="chart"><h2>queue size</h2><canvas id="queue-chart"></canvas></div>
  <div class="chart"><h2>success rate (%)</h2><canvas id="success-chart"></canvas></div>
</section>
<script>
"use strict";
const POLL_MS = 2000;
const COLORS = ['#4ade80', '#f87171', '#38bdf8', '#facc15'];
const dataUrl = location.pathname.replace(/\\/$/, '') + '/data';
let history = [], lastTime = 0, previous;

/** histogram_quantile over a bucket increase (linear within a bucket). */
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

const byStatus = (data, status) => data.sent.filter((s) => s.status === status).reduce((a, s) => a + s.value, 0);
const asPoint = (data) => ({ time: data.time, success: byStatus(data, 'success'), failure: byStatus(data, 'failure'), queueSize: data.queueSize, retries: data.retries, duration: data.duration });

/** Rates, success ratio and quantiles between two cumulative samples. */
function between(a, b) {
  const seconds = Math.max((b.time - a.time) / 1000, 0.001);
  const ok = Math.max(b.success - a.success, 0), bad = Math.max(b.failure - a.failure, 0);
  const buckets = b.duration.buckets.map((x) => {
    const before = a.duration.buckets.find((p) => p.le === x.le);
    return { le: x.le, count: Math.max(x.count - (before ? before.count : 0), 0) };
  });
  return { ok: ok / seconds, bad: bad / seconds, success: ok + bad > 0 ? (100 * ok) / (ok + bad) : NaN,
    p50: quantile(0.5, buckets), p95: quantile(0.95, buckets) };
}

const TOP_CLIENTS = 10;

/** email_sent_total by client, the TOP_CLIENTS largest: a bounded table whatever the traffic. */
function clients(data) {
  const rows = new Map();
  for (const s of data.sent) {
    const row = rows.get(s.client) || { client: s.client, success: 0, failure: 0 };
    if (s.status === 'success' || s.status === 'failure') row[s.status] += s.value;
    rows.set(s.client, row);
  }
  const top = [...rows.values()].sort((a, b) => b.success + b.failure - a.success - a.failure).slice(0, TOP_CLIENTS);
  document.getElementById('client-scope').textContent = data.client === null ? 'every client' : 'your client only';
  document.getElementById('clients').replaceChildren(...top.map((r) => {
    const tr = document.createElement('tr');
    for (const v of [r.client, r.success, r.failure]) { const td = document.createElement('td'); td.textContent = String(v); tr.append(td); }
    return tr;
  }));
}

/** One indicator per relay (by name, never host) and the caller's dead letters with their listing. */
function operations(data) {
  const relays = data.relays.map((r, i) => {
    const span = document.createElement('span');
    const dot = document.createElement('b');
    span.className = 'relay'; span.dataset.relay = r.name; span.dataset.state = r.state;
    dot.className = r.state === 'up' ? 'ok' : r.state === 'unknown' ? 'warn' : 'bad';
    dot.textContent = '●';
    span.append((i ? ' / ' : '') + r.name + ' ', dot, ' ' + r.state.replace('_', ' '));
    return span;
  });
  document.getElementById('relays').replaceChildren(...(relays.length ? relays : ['none (outbox)']));
  const intake = document.createElement('span');
  const mark = document.createElement('b');
  mark.className = data.intake === 'accepting' ? 'ok' : 'bad';
  mark.textContent = '●';
  intake.dataset.state = data.intake;
  intake.append(mark, data.intake === 'accepting' ? ' accepting' : ' refusing: new emails get 503 (queue store unreachable or draining)');
  document.getElementById('intake').replaceChildren(intake);
  const dead = data.deadLetters;
  document.getElementById('dead-letter-count').textContent = dead.count === null ? '?' : dead.count + (dead.more ? '+' : '');
  document.getElementById('dead-letters').href = location.pathname.replace(/\\/status\\/?$/, '') + '/emails?status=failed';
  document.getElementById('dead-letter-scope').textContent = data.client === null ? 'every client' : 'your client only';
}

function render(data) {
  for (const p of data.history.points) history.push(p);
  // A key scoped to one client gets no server history (it is replica-wide): chart its own polls.
  if (data.client !== null) history.push(asPoint(data));
  clients(data);
  operations(data);
  if (history.length) lastTime = history[history.length - 1].time;
  history.splice(0, Math.max(history.length - data.history.capacity, 0));
  const now = asPoint(data);
  document.getElementById('replica').textContent = 'replica ' + data.replica;
  if (data.dashboardUrl) {
    const link = document.getElementById('grafana');
    link.href = data.dashboardUrl; link.hidden = false;
  }
  document.getElementById('sent-success').textContent = String(now.success);
  document.getElementById('sent-failure').textContent = String(now.failure);
  document.getElementById('queue-size').textContent = String(data.queueSize);
  document.getElementById('retries').textContent = String(data.retries);
  // Tiles: the last minute (from history on load, then since the previous poll for the rate).
  const minuteAgo = history.find((p) => p.time >= now.time - 60000) || history[0] || now;
  const recent = between(minuteAgo, now);
  const live = previous ? between(previous, now) : recent;
  const lifetime = between({ time: 0, success: 0, failure: 0, duration: { buckets: [] } }, now);
  const pick = (v, fallback) => (v === null || !Number.isFinite(v) ? fallback : v);
  document.getElementById('rate').textContent = fmt(live.ok + live.bad, 1);
  const success = pick(recent.success, lifetime.success);
  document.getElementById('success-rate').textContent = Number.isFinite(success) ? fmt(success, 1) + '%' : '–';
  const p50 = pick(recent.p50, lifetime.p50), p95 = pick(recent.p95, lifetime.p95);
  document.getElementById('p50').textContent = p50 === null ? '–' : fmt(p50, 2) + ' s';
  document.getElementById('p95').textContent = p95 === null ? '–' : fmt(p95, 2) + ' s';
  previous = now;
  document.getElementById('updated').textContent = 'updated ' + new Date(data.time).toLocaleTimeString();
  charts(data.history.intervalMs * data.history.capacity, now.time);
}

${STATUS_PAGE_CHARTS}async function poll() {
  try {
    const response = await fetch(dataUrl + '?since=' + lastTime, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    render(await response.json());
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
 * style by hash, and talks only to its own origin. `default-src` does not cover `base-uri`,
 * `form-action` or plugins: the page has no base, no form and no object, so none are allowed
 * (an injected `<base>` or form could otherwise redirect its fetches or post elsewhere).
 */
export const STATUS_PAGE_CSP = [
  "default-src 'self'",
  `script-src ${sha256(inlineScript)}`,
  `style-src ${sha256(inlineStyle)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');
