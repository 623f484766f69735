'use strict';
// The proxy scenario's upstream: a Node HTTPS server on 127.0.0.1 with the bench CA's certificate, answering
// `GET /v1/ping` with a small JSON body when the request carries the service's credential (401 otherwise), so that a
// 2xx through any path proves the credential arrived. Forked by the bench in a process of its own (its own event
// loop, not the load generator's); it receives {certPem, keyPem, secret}, sends its port over IPC and runs until
// killed. Asked {stats: true}, it answers how many TLS connections it has accepted and requests it has answered, so
// the bench can tell kept-alive connections from a handshake per call.

const https = require('https');

const BODY = JSON.stringify({ object: 'ping', id: 'ping_bench', ok: true, items: [{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }] });

let server = null;
let connections = 0;
let requests = 0;

process.on('message', (message) => {
  if (message.stats) return process.send({ stats: { connections, requests } });
  if (!server) listen(message);
});

function listen({ certPem, keyPem, secret }) {
  const expected = `Bearer ${secret}`;
  server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
    requests++;
    // Drain whatever body came; the answer does not depend on it.
    req.resume();
    req.on('end', () => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"missing or wrong credential"}');
      } else if (req.url === '/v1/ping' || req.url.startsWith('/v1/ping?')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) }).end(BODY);
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such route"}');
      }
    });
  });
  // Kept-alive connections outlive the pauses between the bench's phases, so no phase starts by racing a closing socket.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.on('secureConnection', () => connections++);
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, bodyBytes: Buffer.byteLength(BODY) }));
}
process.on('disconnect', () => process.exit(0));
