import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { answerClientError, problem } from '../../../libs/platform/src/problem-document';
import { createLogger, parseLogLevel, requestIdFor } from '../../../libs/platform/src/logging';
import { loadHttpLimits } from '../../../libs/platform/src/config';
import { guardConnections, serverOptions } from '../../../libs/platform/src/connections';
import { ConsoleFiles, isConsolePath } from '../../../libs/platform/src/console-files';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { serviceFor, ServiceName } from './routes';

/**
 * The front door of distributed mode: one base URL for clients, each request passed as it is (body, headers,
 * streaming responses such as SSE and long polls) to the service that owns its path. It holds no state and no secret.
 */
const upstreams: Record<ServiceName, URL> = {
  passport: new URL(process.env.MANDATE_PASSPORT_URL || 'http://127.0.0.1:8081'),
  intent: new URL(process.env.MANDATE_INTENT_URL || 'http://127.0.0.1:8082'),
  detector: new URL(process.env.MANDATE_DETECTOR_URL || 'http://127.0.0.1:8083'),
  audit: new URL(process.env.MANDATE_AUDIT_URL || 'http://127.0.0.1:8084'),
};
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
/** The services' own limit (MANDATE_BODY_LIMIT_BYTES), enforced here too so an oversized body never leaves the door. */
const bodyLimit = Number(process.env.MANDATE_BODY_LIMIT_BYTES || 256 * 1024);

const logger = createLogger('gateway', parseLogLevel(process.env.LOG_LEVEL));
/**
 * The contract, as `npm run build` generated it beside this file's build (dist/openapi.json) from the services' routes
 * and DTOs: the door imports no service, and serves the very document the embedded process does.
 */
const CONTRACT_FILE = path.join(__dirname, '..', '..', '..', 'openapi.json');
const contract = fs.readFileSync(CONTRACT_FILE);
/** The operator console (dist/console, built by `npm run build`), served here as the embedded process serves it. */
const consoleFiles = ConsoleFiles.load();
/** The same timeouts and connection cap as the services (MANDATE_*_TIMEOUT_MS, MANDATE_MAX_CONNECTIONS). */
const limits = loadHttpLimits();
/** Probes come every few seconds; a line each would bury the requests people look for. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz']);

/** The door's own figures: what it passed to which service and how that ended, beside Node's process metrics. */
const metrics = new Registry();
collectDefaultMetrics({ register: metrics });
const forwarded = new Counter({
  name: 'mandate_gateway_requests_total',
  help: 'Requests answered by the front door, by the service that owns the path (or "gateway") and status code',
  labelNames: ['service', 'status_code'],
  registers: [metrics],
});
const forwardDuration = new Histogram({
  name: 'mandate_gateway_request_duration_seconds',
  help: 'Time from a request reaching the front door to its answer, by service',
  labelNames: ['service'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metrics],
});
const refusedConnections = new Counter({
  name: 'mandate_gateway_connections_refused_total',
  help: 'Connections answered 503 SERVER_BUSY because the front door held MANDATE_MAX_CONNECTIONS already',
  registers: [metrics],
});

function sendProblem(res: http.ServerResponse, status: number, code: string, detail: string, instance: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' });
  res.end(JSON.stringify({ ...problem(status, code, detail), instance }));
}

/** GET of a small JSON document from a service: its status and body (status 0 when it cannot be reached). */
function getJson(url: URL): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: 2000 }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: {} });
        }
      });
    });
    req.on('error', () => resolve({ status: 0, body: {} }));
    req.on('timeout', () => req.destroy());
  });
}

const server = http.createServer(serverOptions(limits), (req, res) => {
  const url = new URL(req.url ?? '/', 'http://gateway');
  // The service behind logs the same id, so one request reads as one story across the door and the service.
  const requestId = requestIdFor(req.headers['x-request-id']);
  req.headers['x-request-id'] = requestId;
  res.setHeader('x-request-id', requestId);
  if (!UNLOGGED_PATHS.has(url.pathname)) {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const responseTime = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = { reqId: requestId, req: { method: req.method, path: url.pathname }, res: { statusCode: res.statusCode }, responseTime };
      logger[res.statusCode >= 500 ? 'error' : 'info'](entry, res.writableFinished ? 'request completed' : 'request aborted');
    });
  }
  if (url.pathname === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  if (url.pathname === '/metrics') {
    void metrics.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
    return;
  }
  if (url.pathname === '/openapi.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(contract);
  if ((req.method === 'GET' || req.method === 'HEAD') && isConsolePath(url.pathname)) {
    const answer = consoleFiles.answer(url.pathname);
    return void res.writeHead(answer.status, answer.headers).end(req.method === 'HEAD' ? undefined : answer.body);
  }
  if (url.pathname === '/readyz') {
    // Ready when every service is; the head is the store's, as each service reads it.
    void Promise.all(Object.entries(upstreams).map(async ([name, base]) => [name, await getJson(new URL('/readyz', base))] as const)).then((answers) => {
      const notReady = answers.filter(([, answer]) => answer.status !== 200).map(([name]) => name);
      if (notReady.length > 0) return sendProblem(res, 503, 'SERVICES_NOT_READY', `not ready: ${notReady.join(', ')}`, '/readyz');
      const head = Math.max(...answers.map(([, answer]) => Number(answer.body.head) || 0));
      const services = Object.fromEntries(answers.map(([name, answer]) => [name, answer.body]));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ready', head, services }));
    });
    return;
  }
  const service = serviceFor(req.method ?? 'GET', url.pathname);
  const timer = forwardDuration.startTimer({ service: service ?? 'gateway' });
  res.once('close', () => {
    timer();
    forwarded.inc({ service: service ?? 'gateway', status_code: String(res.statusCode) });
  });
  if (!service) return sendProblem(res, 404, 'NOT_FOUND', `no route for ${req.method} ${url.pathname}`, url.pathname);
  // The body is read whole before it is passed on: a service that answers early (a refusal, a size limit) then never
  // races a half-sent body, which would turn its answer into a reset connection.
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > bodyLimit) {
      refused = true;
      sendProblem(res, 413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than the configured limit', url.pathname);
      req.resume();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => !refused && forward(service, req, res, url, Buffer.concat(chunks)));
});

function forward(service: ServiceName, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): void {
  const target = upstreams[service];
  // The door is the edge: the client's own X-Forwarded-For is replaced, never passed on, so the services (which trust
  // it only from the door, MANDATE_TRUSTED_PROXIES) rate-limit by the address that really connected.
  const headers: http.OutgoingHttpHeaders = {
    ...req.headers,
    host: target.host,
    'x-forwarded-host': req.headers.host ?? '',
    'x-forwarded-for': req.socket.remoteAddress ?? '',
  };
  delete headers['transfer-encoding'];
  // Hop-by-hop (RFC 9110 7.6.1): a client's "Connection: close" is about its own connection. Passed on, it left the
  // pooled upstream socket of an event stream the service ended unusable, and the next request on it answered 400.
  delete headers.connection;
  delete headers['keep-alive'];
  if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = String(body.length);
  const upstream = http.request(
    { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // Event streams must reach the client as they are written.
      if (String(answer.headers['content-type'] ?? '').startsWith('text/event-stream')) res.flushHeaders();
      answer.pipe(res);
    },
  );
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (res.writableEnded) return;
    const unreachable = error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' || error.code === 'EHOSTUNREACH';
    logger.warn({ reqId: req.headers['x-request-id'] }, `${service} unreachable for ${req.method} ${url.pathname}: ${error.code ?? error.message}`);
    sendProblem(res, unreachable ? 503 : 502, unreachable ? 'SERVICE_UNAVAILABLE' : 'BAD_GATEWAY', `the ${service} service cannot be reached; retry shortly`, url.pathname);
  });
  // A client that goes away (an SSE subscriber closing) ends the upstream request too.
  res.on('close', () => !res.writableFinished && upstream.destroy());
  upstream.end(body);
}

server.on('clientError', answerClientError);
const connections = guardConnections(server, limits, () => refusedConnections.inc());
new Gauge({ name: 'mandate_gateway_connections_open', help: 'Client connections the front door holds', registers: [metrics], collect() { this.set(connections.open); } });
server.listen(port, host, () => {
  const address = server.address() as { port: number };
  logger.info(`listening on http://${host}:${address.port}, routing to ${Object.entries(upstreams).map(([n, u]) => `${n}=${u.origin}`).join(' ')}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.close(() => process.exit(0)));
