'use strict';
// The SMTP client alone, no HTTP: mailwatch's engine (src/mail/transport/smtp) vs nodemailer's
// pool as the app configures it, against the same loopback sink (its own process), same pool
// size, same number of messages in flight. Reports msg/s and this process's CPU per message.
// Rough figures on a shared machine: runs alternate, and the table shows each run.
//
//   npm run build && node bench/engine.js         (BENCH_ENGINE_SECONDS=3 BENCH_ENGINE_RUNS=2)
const path = require('node:path');
const nodemailer = require('nodemailer');
const procs = require('./lib/procs');

const SECONDS = Number(process.env.BENCH_ENGINE_SECONDS || 3);
const RUNS = Number(process.env.BENCH_ENGINE_RUNS || 2);
const IN_FLIGHT = 64;
const POOL = 5;
const dist = path.resolve(__dirname, '..', process.env.BENCH_DIST || 'dist');
const { SmtpEngineTransport } = require(path.join(dist, 'mail/transport/smtp/smtp-engine'));
const { engineOptions } = require(path.join(dist, 'mail/transport/smtp/smtp-options'));
const { buildMailerOptions } = require(path.join(dist, 'mail/transport/mailer-options.factory'));

const PLAIN = { from: 'bench@example.com', to: ['someone@example.com'], subject: 'bench', text: 'Hello from the benchmark.' };
const RICH = { ...PLAIN, html: '<p>Hello from the <b>benchmark</b>.</p>' };

function engineClient(port) {
  const engine = new SmtpEngineTransport(engineOptions({ host: '127.0.0.1', port, secure: false, poolSize: POOL }), 'bench');
  let n = 0;
  return { send: (m) => engine.send(m, `b${++n}`), close: () => engine.close() };
}

function nodemailerClient(port) {
  const options = buildMailerOptions({
    smtp: { host: '127.0.0.1', port, secure: false, displayName: 'bench' },
    mailFrom: PLAIN.from,
    smtpPoolSize: POOL,
    smtpTimeoutMs: 15_000,
  });
  const transport = nodemailer.createTransport(options.transport, options.defaults);
  return { send: (m) => transport.sendMail({ ...m, headers: { 'X-Mailwatch-Id': 'b' } }), close: () => transport.close() };
}

async function measure(client, message, sink) {
  await Promise.all(Array.from({ length: POOL * 2 }, () => client.send(message))); // warm the pool
  const before = await sink.count();
  let sent = 0;
  let failed = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < deadline) {
      try {
        await client.send(message);
        sent++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const arrived = (await sink.count()) - before;
  await client.close();
  return { mps: sent / elapsed, cpuMs: (used.user + used.system) / 1000 / sent, sent, failed, lost: sent - arrived };
}

async function main() {
  const sink = await procs.startSink();
  const rows = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const [name, make] of [['engine', engineClient], ['nodemailer pool', nodemailerClient]]) {
        for (const [kind, message] of [['plain', PLAIN], ['html', RICH]]) {
          const r = await measure(make(sink.port), message, sink);
          rows.push({ run, name, kind, ...r });
          process.stderr.write(`[bench] run ${run} ${name} ${kind}: ${r.mps.toFixed(0)} msg/s, ${r.cpuMs.toFixed(3)} ms CPU/msg\n`);
        }
      }
    }
  } finally {
    await sink.stop();
  }
  console.log(`\nSMTP client alone: ${POOL} connections, ${IN_FLIGHT} in flight, ${SECONDS} s per run, loopback smtp-server sink\n`);
  console.log('| run | client | message | msg/s | CPU ms/message | sent | failed | lost |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.run} | ${r.name} | ${r.kind} | ${r.mps.toFixed(0)} | ${r.cpuMs.toFixed(3)} | ${r.sent} | ${r.failed} | ${r.lost} |`);
  }
  if (rows.some((r) => r.failed > 0 || r.lost !== 0)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
