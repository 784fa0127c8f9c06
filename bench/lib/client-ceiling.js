'use strict';
// The SMTP client alone, no HTTP, in this process: mailwatch's engine (src/mail/transport/smtp)
// or nodemailer's pool as the app configures it (SMTP_TRANSPORT=mailer), against one sink.
// Reports msg/s and this process's CPU per message; `lost` compares with the sink's count.
const path = require('node:path');
const nodemailer = require('nodemailer');

const IN_FLIGHT = 64;
const POOL = 5;
const PLAIN = {
  from: 'bench@example.com',
  to: ['someone@example.com'],
  subject: 'bench',
  text: 'Hello from the benchmark.',
};
const HTML = { ...PLAIN, html: '<p>Hello from the <b>benchmark</b>.</p>' };

function load(dist) {
  const req = (p) => require(path.join(dist, p));
  return {
    SmtpEngineTransport: req('mail/transport/smtp/smtp-engine').SmtpEngineTransport,
    engineOptions: req('mail/transport/smtp/smtp-options').engineOptions,
    buildMailerOptions: req('mail/transport/mailer/mailer-options.factory').buildMailerOptions,
  };
}

function makeClient(kind, port, dist) {
  const lib = load(dist);
  if (kind === 'engine') {
    const engine = new lib.SmtpEngineTransport(
      lib.engineOptions({ host: '127.0.0.1', port, secure: false, poolSize: POOL }),
      'bench',
    );
    let n = 0;
    return { send: (m) => engine.send(m, `b${++n}`), close: () => engine.close() };
  }
  const options = lib.buildMailerOptions({
    smtp: { host: '127.0.0.1', port, secure: false, displayName: 'bench' },
    mailFrom: PLAIN.from,
    smtpPoolSize: POOL,
    smtpTimeoutMs: 15_000,
  });
  const transport = nodemailer.createTransport(options.transport, options.defaults);
  return {
    send: (m) => transport.sendMail({ ...m, headers: { 'X-Mailwatch-Id': 'b' } }),
    close: () => transport.close(),
  };
}

/** One run: `kind` is 'engine' or 'nodemailer'; `message` PLAIN or HTML. */
async function measureClient({ kind, message, sink, seconds, dist }) {
  const client = makeClient(kind, sink.port, dist);
  await Promise.all(Array.from({ length: POOL * 2 }, () => client.send(message))); // warm the pool
  const before = await sink.count();
  let sent = 0;
  let failed = 0;
  const deadline = Date.now() + seconds * 1000;
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
  return {
    kind,
    mps: sent / elapsed,
    cpuMs: (used.user + used.system) / 1000 / sent,
    sent,
    failed,
    lost: sent - arrived,
  };
}

module.exports = { measureClient, PLAIN, HTML, POOL, IN_FLIGHT };
