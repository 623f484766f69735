import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument, OpenApiController, serviceHost } from '@mandate/platform';
import { MandateModule } from './mandate.module';

/** The version the contract states. */
export const API_VERSION = '0.1.0';

/** What the embedded process serves: the four services, the ops routes and this document. */
export const MandateHost = serviceHost(MandateModule, [OpenApiController]);

/**
 * The contract without running anything: Nest's preview mode maps the routes but builds no provider (no store, no
 * stream). The build writes it to dist/openapi.json for the front door, which imports no service.
 */
export async function generatedContract(): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(MandateHost, new FastifyAdapter(), { preview: true, logger: false });
  try {
    return buildOpenApiDocument(app, API_VERSION);
  } finally {
    await app.close();
  }
}
