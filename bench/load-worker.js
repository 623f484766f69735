'use strict';
// The load generator, run in its own process (child_process.fork from run.js) so that it gets its own core and
// does not share an event loop with the server or the orchestrator. It receives one job over IPC, runs autocannon
// once, sends the figures back and exits.
//
// Job: { port, connections, durationSec, method, requests: [{ path, headers, body, dpop? }], expectBody?, https? }
// With dpop ({ privateKeyPem, jwk, passport, htu }), every request the connection sends carries a fresh DPoP proof
// (RFC 9449) signed here, in autocannon's synchronous setupRequest hook: the signing is this process's CPU, on the
// same cores as the server; the result says how much (dpop_signing_us_per_request).
// With https ({ servername }), the connections are TLS to 127.0.0.1:port (the proxy scenario's direct calls to its
// upstream); autocannon then always connects with rejectUnauthorized: false, so the bench checks the certificate
// chain itself before the load starts.
// Connection i uses requests[i % requests.length] for every request it sends (e.g. its own passport).
// With expectBody (a string), every 2xx response whose body does not contain it is counted as unexpected.

const { createHash, createPrivateKey, randomUUID, sign } = require('crypto');
const autocannon = require('autocannon');
const { summarize } = require('./lib');

const b64 = (text) => Buffer.from(text).toString('base64url');

/**
 * A function returning a fresh proof for each request with one bound passport: the compact JWS built by hand,
 * base64url(header).base64url(payload).base64url(Ed25519 signature), the header and `ath` computed once.
 */
function dpopProver(dpop, method, timing) {
  const key = createPrivateKey(dpop.privateKeyPem);
  const header = b64(JSON.stringify({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: dpop.jwk }));
  const ath = createHash('sha256').update(dpop.passport).digest('base64url');
  return () => {
    const started = process.hrtime.bigint();
    const input = `${header}.${b64(JSON.stringify({ htm: method, htu: dpop.htu, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ath }))}`;
    const proof = `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
    timing.ns += process.hrtime.bigint() - started;
    timing.count++;
    return proof;
  };
}

function run(job) {
  return new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16);
    let n = 0;
    const statuses = {};
    let firstProblem = null;
    let unexpectedBodies = 0;
    let firstUnexpectedBody = null;
    let nextClient = 0;
    const signing = { ns: 0n, count: 0 };
    const cpu0 = process.cpuUsage();

    const clientRequest = (spec) => ({
      ...(spec.dpop
        ? {
            setupRequest: ((prove) => (req) => {
              req.headers.dpop = prove();
              return req;
            })(dpopProver(spec.dpop, job.method, signing)),
          }
        : {}),
      method: job.method,
      path: spec.path,
      headers: spec.headers || {},
      body: spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body),
      onResponse(status, body) {
        if ((status < 200 || status > 299) && firstProblem === null) firstProblem = { status, body: String(body).slice(0, 1000) };
        else if (job.expectBody && status >= 200 && status <= 299 && !String(body).includes(job.expectBody)) {
          unexpectedBodies++;
          if (firstUnexpectedBody === null) firstUnexpectedBody = { status, body: String(body).slice(0, 1000) };
        }
      },
    });

    const started = process.hrtime.bigint();
    const instance = autocannon(
      {
        url: `${job.https ? 'https' : 'http'}://127.0.0.1:${job.port}`,
        ...(job.https ? { servername: job.https.servername } : {}),
        connections: job.connections,
        pipelining: 1,
        duration: job.durationSec,
        timeout: 10,
        // One request spec per connection, fixed for the connection's lifetime (one passport per agent).
        setupClient(client) {
          const spec = job.requests[nextClient++ % job.requests.length];
          client.setRequests([clientRequest(spec)]);
        },
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsedSec = Number(process.hrtime.bigint() - started) / 1e9;
        const ok = Object.entries(statuses).reduce((sum, [code, count]) => (code.startsWith('2') ? sum + count : sum), 0);
        const total = Object.values(statuses).reduce((sum, count) => sum + count, 0);
        const durationSec = result.duration || elapsedSec;
        const cpu = process.cpuUsage(cpu0);
        resolve({
          connections: job.connections,
          duration_s: Math.round(durationSec * 1000) / 1000,
          responses: total,
          responses_2xx: ok,
          non_2xx: total - ok,
          errors: result.errors,
          timeouts: result.timeouts,
          status_counts: statuses,
          requests_per_s: Math.round((total / durationSec) * 10) / 10,
          ok_requests_per_s: Math.round((ok / durationSec) * 10) / 10,
          // Every response (2xx or not), measured by autocannon from write to complete response, in ms.
          latency_ms: summarize(latencies.subarray(0, n)),
          // autocannon's own figures (2xx only, 1 ms resolution) for cross-checking.
          autocannon: {
            requests_avg_per_s: result.requests.average,
            latency_p50_ms: result.latency.p50,
            latency_p99_ms: result.latency.p99,
            non2xx: result.non2xx,
            errors: result.errors,
            timeouts: result.timeouts,
          },
          first_problem: firstProblem,
          // This process's own CPU (autocannon, and the signing of proofs when there are any), per response.
          load_generator_cpu_us_per_request: total > 0 ? Math.round((cpu.user + cpu.system) / total) : null,
          ...(signing.count > 0 ? { dpop_proofs_signed: signing.count, dpop_signing_us_per_request: Math.round(Number(signing.ns) / 1000 / signing.count) } : {}),
          ...(job.expectBody ? { expected_body: job.expectBody, unexpected_2xx_bodies: unexpectedBodies, first_unexpected_body: firstUnexpectedBody } : {}),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (n === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[n++] = responseTime;
      statuses[statusCode] = (statuses[statusCode] || 0) + 1;
    });
  });
}

process.on('message', (job) => {
  run(job).then(
    (result) => process.send({ ok: true, result }, () => process.exit(0)),
    (error) => process.send({ ok: false, error: String((error && error.stack) || error) }, () => process.exit(1)),
  );
});
// If the orchestrator goes away, so do we.
process.on('disconnect', () => process.exit(2));
