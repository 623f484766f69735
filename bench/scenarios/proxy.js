'use strict';
// Scenario 11: the credential proxy. 32 agents GET a small JSON body from a loopback HTTPS upstream directly, through
// nginx as a plain reverse proxy, and through POST /v1/proxy, in one run; each path's added latency over the direct
// call, and proxied req/s against single-call tool logging of the same run.

const http = require('http');
const https = require('https');
const path = require('path');
const { randomBytes } = require('crypto');
const { fork } = require('child_process');
const { OPTS, PARAMS } = require('../params');
const { expectStatus, request } = require('../lib');
const { track } = require('../harness');
const { createTenant, createAgent, issuePassport } = require('../fixtures');
const { benchCertificates } = require('../../scripts/test-ca');
const { startNginx } = require('../nginx');
const { measure } = require('./logging');
const { fmt, ratio } = require('../report');

const UPSTREAM_PATH = '/v1/ping';
const SERVERNAME = 'localhost';

/** The upstream (bench/upstream-https.js) in a process of its own, until `stop()`. */
function startUpstream(certificates, secret) {
  return new Promise((resolve, reject) => {
    const child = track(fork(path.join(__dirname, '..', 'upstream-https.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    // Its TLS connections accepted and requests answered so far.
    const stats = () =>
      new Promise((answer) => {
        const onStats = (message) => message.stats && (child.off('message', onStats), answer(message.stats));
        child.on('message', onStats);
        child.send({ stats: true });
      });
    child.once('message', ({ port, bodyBytes }) => resolve({ port, bodyBytes, pid: child.pid, stats, stop: () => child.kill('SIGKILL') }));
    child.once('exit', (code) => reject(new Error(`upstream-https.js exited (${code}) before listening`)));
    child.send({ certPem: certificates.certPem, keyPem: certificates.keyPem, secret });
  });
}

/** A tenant of its own with the upstream registered as a service (internal: it is on loopback), and 32 agents for it. */
async function createProxyFixture(server, upstream, secret) {
  const { service, agents } = PARAMS.proxy;
  const tenant = await createTenant(server, 'bench-proxy');
  await expectStatus(201, server.port, 'POST', '/v1/services', {
    token: tenant.key,
    body: { name: service, hosts: [SERVERNAME], internal_hosts: [SERVERNAME], presentation: { kind: 'bearer' }, secret },
  });
  const passports = [];
  for (let i = 0; i < agents; i++) passports.push(await issuePassport(server, tenant.key, await createAgent(server, tenant.key, `bench-proxy-agent-${i}`), [service]));
  return { key: tenant.key, passports, url: `https://${SERVERNAME}:${upstream.port}${UPSTREAM_PATH}` };
}

/** One GET over the given module and options; resolves { status, body }. */
function get(module, options) {
  return new Promise((resolve, reject) => {
    const req = module.request({ method: 'GET', path: UPSTREAM_PATH, ...options }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Before any load: each path answers 200 with the upstream's body. The direct check verifies the certificate against
 * the bench CA (autocannon itself never verifies), and both it and the upstream's 401 without the credential show
 * that a 2xx under load means the credential arrived.
 */
async function sanityChecks(server, upstream, nginx, fixture, certificates, secret) {
  const direct = { host: '127.0.0.1', port: upstream.port, servername: SERVERNAME, ca: certificates.caPem, agent: false };
  const without = await get(https, direct);
  if (without.status !== 401) throw new Error(`the upstream answered ${without.status} without the credential, expected 401`);
  const withSecret = await get(https, { ...direct, headers: { authorization: `Bearer ${secret}` } });
  if (withSecret.status !== 200) throw new Error(`the upstream answered ${withSecret.status} with the credential: ${withSecret.body.slice(0, 300)}`);
  const viaNginx = await get(http, { host: '127.0.0.1', port: nginx.port, agent: false });
  if (viaNginx.status !== 200) throw new Error(`nginx answered ${viaNginx.status}: ${viaNginx.body.slice(0, 300)}`);
  const viaMandate = await request(server.port, 'POST', '/v1/proxy', { token: fixture.passports[0].token, body: { service: PARAMS.proxy.service, method: 'GET', url: fixture.url } });
  if (viaMandate.status !== 200 || viaMandate.body.status !== 200) {
    throw new Error(`POST /v1/proxy answered ${viaMandate.status} (upstream ${viaMandate.body && viaMandate.body.status}): ${JSON.stringify(viaMandate.body).slice(0, 500)}`);
  }
  if (JSON.stringify(viaMandate.body.body) !== withSecret.body) throw new Error(`POST /v1/proxy did not pass the upstream's body on: ${JSON.stringify(viaMandate.body).slice(0, 500)}`);
}

/** A measurement target with nothing to settle (the Mandate server idles meanwhile; its head does not move). */
const stub = (port, pid) => ({ port, pid, settle: async () => ({}), quiesce: async () => ({ head: 0 }) });

const added = (m, direct, p) => (m.latency_ms[p] === null || direct.latency_ms[p] === null ? null : Math.round((m.latency_ms[p] - direct.latency_ms[p]) * 1000) / 1000);

/**
 * `logging`: scenario 1's figures when it ran in this run; otherwise single-call logging is measured here, on the
 * main tenant's passports, as the same-run baseline.
 */
async function scenarioProxy(server, { loggingPassports, logging }) {
  const p = PARAMS.proxy;
  console.log(`\n[11] credential proxy: GET of a small JSON body from a loopback HTTPS upstream, ${p.agents} agents; direct, through nginx, through POST /v1/proxy`);
  const certificates = benchCertificates();
  const secret = `sk_bench_${randomBytes(18).toString('base64url')}`;
  const upstream = await startUpstream(certificates, secret);
  let nginx = null;
  try {
    const fixture = await createProxyFixture(server, upstream, secret);
    nginx = await startNginx({ upstreamPort: upstream.port, caFile: certificates.caFile, secret, workerProcesses: p.nginx_worker_processes });
    await sanityChecks(server, upstream, nginx, fixture, certificates, secret);
    const base = { connections: PARAMS.connections, method: 'GET' };
    const upstreamPids = () => [upstream.pid];

    // Each agent holds the credential itself: what the proxy spares it.
    const directJob = (durationSec) => ({
      ...base,
      port: upstream.port,
      durationSec,
      https: { servername: SERVERNAME },
      requests: [{ path: UPSTREAM_PATH, headers: { authorization: `Bearer ${secret}` } }],
    });
    const counters = { upstream: upstream.stats };
    const direct = await measure(stub(upstream.port, upstream.pid), directJob, null, 'direct: agents -> upstream (HTTPS)', false, { counters });

    const nginxJob = (durationSec) => ({ ...base, port: nginx.port, durationSec, requests: [{ path: UPSTREAM_PATH }] });
    // The measurement's "server" is nginx's worker (one, as configured); all of nginx's processes are counted too.
    const viaNginx = await measure(stub(nginx.port, nginx.pids()[1] || nginx.master), nginxJob, null, `nginx (${p.nginx_worker_processes} worker): HTTP -> HTTPS upstream`, false, {
      processes: { nginx: nginx.pids, upstream: upstreamPids },
      counters,
    });

    const body = JSON.stringify({ service: p.service, method: 'GET', url: fixture.url });
    const mandateJob = (durationSec) => ({
      ...base,
      method: 'POST',
      port: server.port,
      durationSec,
      requests: fixture.passports.map((passport) => ({ path: '/v1/proxy', headers: { 'content-type': 'application/json', authorization: `Bearer ${passport.token}` }, body })),
      // Mandate answers 200 whenever the upstream answered: the upstream's own status must be 200 too.
      expectBody: '"status":200',
    });
    const viaMandate = await measure(server, mandateJob, null, 'POST /v1/proxy (Mandate) -> HTTPS upstream', OPTS.profile === 'proxy', { processes: { upstream: upstreamPids }, counters });

    let loggingFigures;
    if (logging && !logging.error) {
      loggingFigures = { source: 'scenario 1 (tool_call_logging) of this run', requests_per_s: logging.requests_per_s, p50_ms: logging.p50_ms, p99_ms: logging.p99_ms, server_cpu_us_per_request: logging.logging.server_cpu_us_per_request, server_main_thread_cpu_us_per_request: logging.logging.server_main_thread_cpu_us_per_request };
    } else {
      const measured = await measure(server, 'single', loggingPassports, 'POST /actions (1 call), same-run baseline', false);
      loggingFigures = { source: 'measured in this scenario (scenario 1 did not run)', requests_per_s: measured.ok_requests_per_s, p50_ms: measured.latency_ms.p50, p99_ms: measured.latency_ms.p99, server_cpu_us_per_request: measured.server_cpu_us_per_request, server_main_thread_cpu_us_per_request: measured.server_main_thread_cpu_us_per_request, measurement: measured };
    }

    // Every proxied 200 is a ProxiedCallStarted and a ProxiedCallEnded; a request in flight at the stop may add both.
    const extra = viaMandate.events_appended - 2 * viaMandate.responses_2xx;
    return {
      description:
        `GET ${UPSTREAM_PATH} (${upstream.bodyBytes} bytes of JSON) from a Node HTTPS upstream on loopback (its own process), ${PARAMS.connections} connections: ` +
        `directly over HTTPS with the credential; through nginx ${nginx.version || ''} (${p.nginx_worker_processes} worker, HTTP in, HTTPS out, certificate verified, kept-alive upstream connections, credential set as a header); ` +
        `through POST /v1/proxy with one passport per connection (logged agents, service ${p.service} registered with a bearer secret)`,
      nginx_version: nginx.version,
      nginx_worker_processes: p.nginx_worker_processes,
      direct,
      via_nginx: viaNginx,
      via_mandate: viaMandate,
      direct_requests_per_s: direct.ok_requests_per_s,
      direct_p50_ms: direct.latency_ms.p50,
      direct_p99_ms: direct.latency_ms.p99,
      nginx_requests_per_s: viaNginx.ok_requests_per_s,
      nginx_p50_ms: viaNginx.latency_ms.p50,
      nginx_p99_ms: viaNginx.latency_ms.p99,
      nginx_added_p50_ms: added(viaNginx, direct, 'p50'),
      nginx_added_p99_ms: added(viaNginx, direct, 'p99'),
      requests_per_s: viaMandate.ok_requests_per_s,
      p50_ms: viaMandate.latency_ms.p50,
      p99_ms: viaMandate.latency_ms.p99,
      added_p50_ms: added(viaMandate, direct, 'p50'),
      added_p99_ms: added(viaMandate, direct, 'p99'),
      errors: viaMandate.errors + viaMandate.timeouts,
      non_2xx: viaMandate.non_2xx,
      upstream_not_200: viaMandate.unexpected_2xx_bodies,
      server_cpu_us_per_request: viaMandate.server_cpu_us_per_request,
      server_main_thread_cpu_us_per_request: viaMandate.server_main_thread_cpu_us_per_request,
      upstream_cpu_us_per_request: viaMandate.cpu_us_per_request && viaMandate.cpu_us_per_request.upstream,
      nginx_cpu_us_per_request: viaNginx.cpu_us_per_request && viaNginx.cpu_us_per_request.nginx,
      // TLS connections the upstream accepted during each measurement: a kept-alive pool opens none or a few.
      upstream_tls_connections: { direct: direct.counters.upstream.connections, nginx: viaNginx.counters.upstream.connections, mandate: viaMandate.counters.upstream.connections },
      upstream_requests: { direct: direct.counters.upstream.requests, nginx: viaNginx.counters.upstream.requests, mandate: viaMandate.counters.upstream.requests },
      logging: loggingFigures,
      logging_requests_per_s: loggingFigures.requests_per_s,
      ratio_to_logging: ratio(viaMandate.ok_requests_per_s, loggingFigures.requests_per_s),
      // The same comparison in the server's CPU per answered request, which moves far less than req/s on a shared machine.
      cpu_ratio_logging_to_proxy: ratio(loggingFigures.server_cpu_us_per_request, viaMandate.server_cpu_us_per_request),
      ratio_to_nginx: ratio(viaMandate.ok_requests_per_s, viaNginx.ok_requests_per_s),
      ratio_to_direct: ratio(viaMandate.ok_requests_per_s, direct.ok_requests_per_s),
      nginx_ratio_to_direct: ratio(viaNginx.ok_requests_per_s, direct.ok_requests_per_s),
      events_per_response: 2,
      // Beyond the calls in flight at the stop (a start and an end each), the detectors' findings: the proxy's calls are
      // uses of the passports, so each fresh passport's burst raises a warning and a critical finding once.
      events_match_responses: extra >= 0 && extra <= 2 * PARAMS.connections + 2 * PARAMS.proxy.agents,
      events_beyond_counted_responses: extra,
    };
  } finally {
    if (nginx) nginx.stop();
    upstream.stop();
  }
}

module.exports = { scenarioProxy };
