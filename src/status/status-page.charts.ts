/**
 * The status page's canvas charts (inlined into its script, see status-page.html.ts): y axes
 * end on 1, 2 or 5 × 10^n, x axes carry five time labels.
 */
export const STATUS_PAGE_CHARTS = `/** The smallest 1, 2 or 5 × 10^n at or above the value: y axes end on a round number. */
function niceCeil(value) {
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 5, 10]) if (step * power >= value - 1e-12) return step * power;
  return 10 * power;
}

/** A tick value without float noise: 0.25, 1.5, 20. */
function tick(value) {
  return String(Number(value.toPrecision(3)));
}

function charts(windowMs, end) {
  const rate = new Map([['success', []], ['failure', []]]), latency = new Map([['p50', []], ['p95', []]]);
  const queue = new Map([['queue', []]]), success = new Map([['success', []]]);
  history.forEach((p, i) => {
    queue.get('queue').push([p.time, p.queueSize]);
    if (i === 0) return;
    const d = between(history[i - 1], p);
    rate.get('success').push([p.time, d.ok]); rate.get('failure').push([p.time, d.bad]);
    latency.get('p50').push([p.time, d.p50 === null ? NaN : d.p50]);
    latency.get('p95').push([p.time, d.p95 === null ? NaN : d.p95]);
    success.get('success').push([p.time, d.success]);
  });
  const span = { start: end - windowMs, end };
  draw('rate-chart', rate, span, 'rate-legend');
  draw('latency-chart', latency, span, 'latency-legend');
  draw('queue-chart', queue, span);
  draw('success-chart', success, span, undefined, 100);
}

function draw(id, map, span, legendId, fixedMax) {
  const canvas = document.getElementById(id);
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = width * ratio; canvas.height = height * ratio;
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  let max = fixedMax || 0, points = 0;
  for (const list of map.values()) for (const [, v] of list) { points++; if (Number.isFinite(v) && v > max) max = v; }
  max = niceCeil(max > 0 ? max : 1);
  const minutes = Math.round((span.end - span.start) / 60000);
  canvas.setAttribute('aria-label', points + ' points over the last ' + minutes + ' min, max ' + fmt(max, 2));
  canvas.dataset.points = String(points);
  ctx.strokeStyle = '#334155'; ctx.fillStyle = '#94a3b8'; ctx.font = '11px system-ui';
  for (let i = 0; i <= 4; i++) {
    const y = 8 + ((height - 16) * i) / 4;
    ctx.beginPath(); ctx.moveTo(36, y); ctx.lineTo(width, y); ctx.stroke();
    ctx.fillText(tick(max * (1 - i / 4)), 0, y + 4);
  }
  // Five time labels, -N min … now, so a point's age reads off the axis.
  const labels = [];
  for (let i = 0; i <= 4; i++) {
    // Seconds for a short window (a small STATUS_HISTORY_INTERVAL_MS), so no two labels match.
    const agoS = Math.round((span.end - span.start) * (4 - i) / 4000);
    const label = i === 4 ? 'now' : span.end - span.start < 300000 ? '-' + agoS + ' s' : '-' + Math.round(agoS / 60) + ' min';
    const x = 36 + ((width - 40) * i) / 4 - (i === 4 ? ctx.measureText(label).width : i === 0 ? 0 : ctx.measureText(label).width / 2);
    ctx.fillText(label, x, height - 1);
    labels.push(label);
  }
  canvas.dataset.xLabels = labels.join('|');
  canvas.dataset.yMax = String(max);
  let index = 0;
  const legend = [];
  for (const [name, list] of map) {
    const color = COLORS[index++ % COLORS.length];
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
    let started = false;
    for (const [t, v] of list) {
      if (!Number.isFinite(v)) { started = false; continue; }
      const x = 36 + ((width - 40) * (t - span.start)) / (span.end - span.start);
      const y = 8 + (height - 16) * (1 - v / max);
      if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
    }
    ctx.stroke();
    // Built through the DOM, not innerHTML: the CSP forbids style attributes in markup.
    const item = document.createElement('span');
    item.style.color = color;
    item.textContent = '\\u25A0 ' + name;
    legend.push(item);
  }
  if (legendId) document.getElementById(legendId).replaceChildren(...legend);
}

`;
