'use strict';
// Preloaded (`node -r`) into a built app by `HOT_NULL_TRANSPORT=1 node bench/hot-path.js`:
// every transport factory answers with a transport that accepts at once and sends nothing,
// so the app CPU measured is the HTTP path, the queue and the outcome (metrics, log line)
// without any SMTP or MIME work. BENCH_NULL_DIST names the build (its main.js's folder).
const path = require('node:path');

const dist = process.env.BENCH_NULL_DIST;
if (!dist) throw new Error('BENCH_NULL_DIST is not set');
const { TRANSPORT_FACTORIES } = require(
  path.join(dist, 'mail', 'transport', 'transport.factory.js'),
);
let sent = 0;
const nullTransport = {
  kind: 'null',
  target: 'nowhere',
  send: async () => ({
    messageId: `<${++sent}@null>`,
    response: '250 accepted by the null transport',
  }),
  verify: async () => undefined,
};
for (const name of Object.keys(TRANSPORT_FACTORIES))
  TRANSPORT_FACTORIES[name] = () => nullTransport;
