'use strict';
// Load generators: autocannon for HTTP, and a bounded-in-flight nodemailer loop for the
// raw SMTP path (Ceiling B). Both stop on a duration or a count, whichever comes first.
const autocannon = require('autocannon');
const nodemailer = require('nodemailer');
const path = require('node:path');

const EMAIL = { to: 'someone@example.com', subject: 'bench', text: 'Hello from the benchmark.' };

/**
 * Fires requests at one URL. `clients`: X-Client-ID values cycled per request.
 * Returns requests/s, latency percentiles (ms) and the answers by status code.
 */
async function fire({
  url,
  method = 'POST',
  body = EMAIL,
  connections = 32,
  duration,
  amount,
  clients = [],
  timeout = 30,
  rate,
  headers: extra = {},
}) {
  let i = 0;
  const headers = {
    ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    ...extra,
  };
  const opts = {
    url,
    method,
    connections,
    timeout,
    headers,
    body: method === 'POST' ? JSON.stringify(body) : undefined,
    requests:
      clients.length > 0
        ? [
            {
              setupRequest: (req) => ({
                ...req,
                headers: { ...req.headers, 'x-client-id': clients[i++ % clients.length] },
              }),
            },
          ]
        : undefined,
  };
  // Open loop: requests/s offered whatever the answers' speed (autocannon's overallRate).
  if (rate !== undefined) opts.overallRate = rate;
  if (amount !== undefined) opts.amount = amount;
  else opts.duration = duration;
  const started = process.hrtime.bigint();
  const result = await autocannon(opts);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const codes = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    codes[code] = stats.count;
  return {
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    codes,
    ok200: codes['200'] ?? 0,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
  };
}

/**
 * Ceiling B: the app's own transport options (buildMailerOptions from dist) in a pooled
 * nodemailer transport sending straight to the sink, `inFlight` messages outstanding.
 * `nagle`: delete the getSocket no-delay hook, to measure what it buys.
 */
async function smtpCeiling({ smtpUrl, seconds, inFlight = 64, nagle = false }) {
  const root = path.resolve(__dirname, '..', '..', process.env.BENCH_DIST || 'dist');
  const { mailConfig } = require(path.join(root, 'config', 'mail.config'));
  const { buildMailerOptions } = require(
    path.join(root, 'mail', 'transport', 'mailer', 'mailer-options.factory'),
  );
  const saved = process.env.SMTP_URL;
  process.env.SMTP_URL = smtpUrl;
  let config;
  try {
    config = mailConfig();
  } finally {
    if (saved === undefined) delete process.env.SMTP_URL;
    else process.env.SMTP_URL = saved;
  }
  const options = buildMailerOptions(config);
  const transportOptions = { ...options.transport };
  if (nagle) delete transportOptions.getSocket;
  const transport = nodemailer.createTransport(transportOptions, options.defaults);
  const message = { ...EMAIL };
  let sent = 0;
  let failed = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < deadline) {
      try {
        await transport.sendMail(message);
        sent++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  transport.close();
  return { mps: sent / elapsed, sent, failed, poolSize: config.smtpPoolSize, hook: !nagle };
}

module.exports = { EMAIL, fire, smtpCeiling };
