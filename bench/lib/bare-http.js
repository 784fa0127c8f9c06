'use strict';
// Ceiling A: the same JSON exchange as POST /send-email, answered by bare node:http with no
// framework, no validation and no sending. Runs as a child so it owns a process like the app.
const http = require('node:http');
const { randomUUID } = require('node:crypto');

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    let body;
    try {
      const dto = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      body = { id: randomUUID(), status: 'sent', messageId: `<${randomUUID()}@bench>`, to: dto.to };
    } catch {
      status = 400;
      body = { statusCode: 400, message: 'bad json' };
    }
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
process.on('disconnect', () => server.close(() => process.exit(0)));
