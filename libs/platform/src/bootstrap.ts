import { INestApplication, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { Logger as Pino } from 'pino';
import { loadConfig, MandateConfig } from './config';
import { DomainError } from '@mandate/core';
import { problem, sendProblem } from './problem';
import { answerClientError } from './problem-document';

/** No Mandate body needs more than a few levels; deeper ones only exist to exhaust the validator's stack. */
/** The introspection endpoint (RFC 7662), the only one that takes a form. */
export const INTROSPECTION_PATH = '/v1/passports/introspect';
const MAX_JSON_DEPTH = 32;

/** Only a huge exponent or a run of 309+ digits can overflow a double: the text is screened before any walk. */
const MIGHT_OVERFLOW = /\d[eE]\+?\d{3}|\d{309}/;

/** The path of the first number JSON.parse turned into Infinity (1e400), or null: such a value cannot be stored as sent. */
export function nonFiniteNumberAt(value: unknown, path = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path || '(body)';
  if (value === null || typeof value !== 'object') return null;
  for (const [key, member] of Object.entries(value)) {
    const found = nonFiniteNumberAt(member, path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return null;
}

/** The deepest nesting of objects and arrays in a JSON text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) deepest = Math.max(deepest, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}
import { Metrics } from './metrics';
import { PlatformModule } from './platform.module';
import { OpsController } from './ops.controller';
import { createLogger, requestIdFor } from './logging';
import { guardConnections, serverOptions } from './connections';
import { installRateLimits } from './rate-limits';
import { Authenticator } from './auth';
import { TenantStates } from './tenant-states';
import { MANDATE_CONFIG } from './config';
import { CONSOLE_PATH, ConsoleFiles } from './console-files';

/** Probes and scrapes come every few seconds; a line each would bury the requests people look for. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0];

/**
 * The one line at the end of each request: its id, method, path and status. No headers and no query string: they are
 * the client's, and may carry anything.
 */
function logAnswer(logger: Pino, request: { id: string; method: string; url: string }, statusCode: number, responseTime: number): void {
  const level = statusCode >= 500 ? 'error' : 'info';
  const path = pathOf(request.url);
  if (!logger.isLevelEnabled(level) || UNLOGGED_PATHS.has(path)) return;
  logger[level]({ reqId: request.id, req: { method: request.method, path }, res: { statusCode }, responseTime }, 'request completed');
}

/** One way to start any Mandate process: Fastify, the body limit, problem details for errors Fastify raises itself. */
export async function createMandateApp(rootModule: Type<unknown>, config: MandateConfig = loadConfig()): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Header deadline and how often Node checks it; the other timeouts and the connection cap are set below.
    http: serverOptions(config.http),
    // Client addresses (rate limits) come from X-Forwarded-For only when the front door is the one connecting.
    trustProxy: config.limits.trustedProxies.length > 0 ? config.limits.trustedProxies : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Fastify names each request: the client's x-request-id when it is plain, else a fresh one.
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => requestIdFor(request.headers['x-request-id']),
    // Errors the router raises before any route runs (a malformed percent-encoding, an absurd path parameter).
    // Errors of the HTTP parser itself, before there is a request at all.
    clientErrorHandler: answerClientError,
    frameworkErrors: (error: Error, request: { url: string }, reply: unknown) => {
      sendProblem(reply, { ...problem(400, 'BAD_REQUEST', error.message), instance: request.url.split('?')[0] });
    },
  });
  const fastify = adapter.getInstance();
  const logger = createLogger(config.service, config.logLevel);
  fastify.addHook('onRequest', (request, reply, done) => {
    // No AsyncLocalStorage to carry the id into every line: on Node 20 it cost a third of a bare route's throughput.
    // The lines of a request name it themselves: the answer's below, and the 500 line of the problem filter.
    reply.header('x-request-id', request.id);
    done();
  });
  // Fastify's own parser (it strips __proto__ and constructor.prototype), with a stable code when the body is not JSON.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {});
    if (nestingDepth(body as string) > MAX_JSON_DEPTH) {
      return done(new DomainError('BODY_TOO_DEEP', `the request body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(new DomainError('MALFORMED_JSON', 'the request body is not valid JSON'), undefined);
      const overflow = MIGHT_OVERFLOW.test(body as string) ? nonFiniteNumberAt(value) : null;
      if (overflow) {
        return done(
          new DomainError('VALIDATION_FAILED', `${overflow}: the number is too large to store`, { errors: [{ field: overflow, problems: ['must be a finite number'] }] }),
          undefined,
        );
      }
      done(null, value);
    });
  });
  // RFC 7662 introspection is asked with a form, by gateways that speak it: the one route that reads one.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (request.url.split('?')[0] !== INTROSPECTION_PATH) return done(Object.assign(new Error('send request bodies as application/json'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined);
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    // NestJS's Logger, used across the services, writes through pino from the first line of start-up on.
    logger: new PinoNestLogger(new PinoLogger({ pinoHttp: { logger } }), {}),
    bufferLogs: false,
    bodyParser: false,
  });
  const metrics = app.get(Metrics);
  const limitParts = { authenticator: app.get(Authenticator), tenants: app.get(TenantStates), metrics, config: app.get<MandateConfig>(MANDATE_CONFIG) };
  await installRateLimits(fastify, () => limitParts);
  guardConnections(fastify.server, config.http, () => metrics.connectionRefused());
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    logAnswer(logger, request, reply.statusCode, reply.elapsedTime);
    done();
  });
  app.enableShutdownHooks();
  return app;
}

/**
 * The operator console's static files at /console (embedded mode; the front door serves them in distributed mode).
 * Plain Fastify routes, not a controller: the console is no API operation, so it is not in the contract, needs no
 * credential (the page asks for the key itself) and takes no part in the API's validation. The rate limits and the
 * request log hold for it like for any request.
 */
export function serveConsole(app: NestFastifyApplication, files = ConsoleFiles.load()): void {
  const fastify = app.getHttpAdapter().getInstance();
  // GET routes answer HEAD too (Fastify's exposeHeadRoutes); other methods get the API's 404.
  for (const url of [CONSOLE_PATH, `${CONSOLE_PATH}/*`]) {
    fastify.get(url, (request, reply) => {
      const answer = files.answer(pathOf(request.url));
      reply.code(answer.status).headers(answer.headers).send(answer.body);
    });
  }
}

export async function listen(app: INestApplication, config: MandateConfig, name: string): Promise<void> {
  await app.listen(config.port, config.host);
  const address = (app.getHttpServer().address() as { port: number }).port;
  new Logger(name).log(`listening on http://${config.host}:${address} (${config.store} store, ${config.stream} stream, data dir ${config.dataDir})`);
}

/** What a Mandate process runs: its module beside the shared platform and ops routes. */
export function serviceHost(serviceModule: Type<unknown>, extraControllers: Type<unknown>[] = []): Type<unknown> {
  @Module({ imports: [PlatformModule, serviceModule], controllers: [OpsController, ...extraControllers] })
  class ServiceHost {}
  return ServiceHost;
}

/** Starts one service (or the all-in-one host) as its own process; `prepare` sees the app before it listens. */
export async function runService(
  name: string,
  serviceModule: Type<unknown>,
  extraControllers: Type<unknown>[] = [],
  prepare: (app: NestFastifyApplication) => void = () => undefined,
): Promise<void> {
  // Names this process's consumer groups and local files (read-models-<service>.db).
  process.env.MANDATE_SERVICE ||= name;
  const config = loadConfig();
  try {
    const app = await createMandateApp(serviceHost(serviceModule, extraControllers), config);
    prepare(app);
    await listen(app, config, name);
  } catch (error) {
    new Logger(name).error(`could not start: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  }
}
