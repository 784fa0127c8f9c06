'use strict';
// The SMTP sink, run as its own child process so its CPU is not counted in the app's or the
// orchestrator's. It accepts every message (reading DATA to the end, as a relay would) except
// those addressed to REJECT_RCPT, which it refuses with a permanent 550, so scenarios can
// produce failure series. It talks to the parent over IPC: { cmd: 'count' } -> { count }.
const { SMTPServer } = require('smtp-server');

const REJECT_RCPT = 'reject@bench.invalid';
let accepted = 0;
let rejected = 0;

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  size: 10 * 1024 * 1024,
  onRcptTo(address, _session, callback) {
    if (address.address === REJECT_RCPT) {
      rejected++;
      const err = new Error('mailbox unavailable');
      err.responseCode = 550;
      return callback(err);
    }
    return callback();
  },
  onData(stream, _session, callback) {
    stream.on('end', () => {
      accepted++;
      callback();
    });
    stream.resume();
  },
});
server.on('error', (err) => process.stderr.write(`sink: ${err.message}\n`));

server.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, port: server.server.address().port });
});

process.on('message', (msg) => {
  if (msg && msg.cmd === 'count') {
    process.send({ id: msg.id, count: accepted, rejected, cpu: process.cpuUsage() });
  }
});
process.on('disconnect', () => server.close(() => process.exit(0)));
