'use strict';
// The SMTP client alone, no HTTP: mailwatch's engine vs nodemailer's pool as the app
// configures it, same loopback sink (its own process), same pool size and messages in flight.
// Rough figures on a shared machine: runs alternate, and the table shows each run.
//
//   npm run bench:engine        (BENCH_ENGINE_SECONDS=3 BENCH_ENGINE_RUNS=2, BENCH_DIST=dist)
const path = require('node:path');
const procs = require('./lib/procs');
const { measureClient, PLAIN, HTML, POOL, IN_FLIGHT } = require('./lib/client-ceiling');

const SECONDS = Number(process.env.BENCH_ENGINE_SECONDS || 3);
const RUNS = Number(process.env.BENCH_ENGINE_RUNS || 2);
const dist = path.resolve(__dirname, '..', process.env.BENCH_DIST || 'dist');

async function main() {
  const sink = await procs.startSink();
  const rows = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const kind of ['engine', 'nodemailer']) {
        for (const [name, message] of [
          ['plain', PLAIN],
          ['html', HTML],
        ]) {
          const r = await measureClient({ kind, message, sink, seconds: SECONDS, dist });
          rows.push({ run, name, ...r });
          process.stderr.write(
            `[bench] run ${run} ${kind} ${name}: ${r.mps.toFixed(0)} msg/s, ${r.cpuMs.toFixed(3)} ms CPU/msg\n`,
          );
        }
      }
    }
  } finally {
    await sink.stop();
  }
  console.log(
    `\nSMTP client alone: ${POOL} connections, ${IN_FLIGHT} in flight, ${SECONDS} s per run, loopback smtp-server sink\n`,
  );
  console.log('| run | client | message | msg/s | CPU ms/message | sent | failed | lost |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.run} | ${r.kind} | ${r.name} | ${r.mps.toFixed(0)} | ${r.cpuMs.toFixed(3)} | ${r.sent} | ${r.failed} | ${r.lost} |`,
    );
  }
  if (rows.some((r) => r.failed > 0 || r.lost !== 0)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
