import { INestApplication, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, MandateConfig } from './config';
import { DomainError } from '@mandate/core';
import { Metrics } from './metrics';

const LOG_LEVELS = { error: ['error'], warn: ['error', 'warn'], log: ['error', 'warn', 'log'], debug: ['error', 'warn', 'log', 'debug'] } as const;

/** One way to start any Mandate process: Fastify, the body limit, problem details for errors Fastify raises itself. */
export async function createMandateApp(rootModule: Type<unknown>, config: MandateConfig = loadConfig()): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 } });
  const fastify = adapter.getInstance();
  // Fastify's own parser (it strips __proto__ and constructor.prototype), with a stable code when the body is not JSON.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {});
    parseJson(request, body as string, (error: Error | null, value?: unknown) =>
      error ? done(new DomainError('MALFORMED_JSON', 'the request body is not valid JSON', 400), undefined) : done(null, value),
    );
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    logger: [...LOG_LEVELS[config.logLevel]],
    bufferLogs: false,
    bodyParser: false,
  });
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, reply.statusCode, reply.elapsedTime);
    done();
  });
  app.enableShutdownHooks();
  return app;
}

export async function listen(app: INestApplication, config: MandateConfig, name: string): Promise<void> {
  await app.listen(config.port, config.host);
  const address = (app.getHttpServer().address() as { port: number }).port;
  new Logger(name).log(`listening on http://${config.host}:${address} (data dir ${config.dataDir})`);
}
