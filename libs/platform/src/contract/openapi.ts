import { INestApplicationContext, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import type { OperationObject, ReferenceObject, RequestBodyObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ModelPropertiesAccessor } from '@nestjs/swagger/dist/services/model-properties-accessor';
import { SchemaObjectFactory } from '@nestjs/swagger/dist/services/schema-object-factory';
import { SwaggerTypesMapper } from '@nestjs/swagger/dist/services/swagger-types-mapper';
import { Audience, audienceOf } from '../auth';
import { ProblemResponse } from './problem.response';
import { describeValidatedClasses } from './validated-properties';

/** Why each error status can answer; every error is a Problem. */
const ERROR_STATUSES: Record<number, string> = {
  400: 'the body is not JSON or nests too deep, or the URL cannot be read',
  401: 'no credential, or one that is not valid (unknown, revoked, expired, checked out)',
  403: 'the credential is valid, but not for this route or this resource',
  404: 'no such resource in this tenant',
  409: "the resource's state forbids it (it exists, is decided, consumed or resolved), or concurrent writes kept conflicting",
  413: 'the body is larger than MANDATE_BODY_LIMIT_BYTES',
  415: 'the body is not application/json',
  422: 'a field, query parameter or header is not valid; `errors` names each refused field',
  429: 'too many requests or open connections: retry after Retry-After',
  503: 'the store is unavailable or the read models are catching up: retry shortly',
};

type Schema = SchemaObject | ReferenceObject;

interface Handler {
  audience: Audience[];
  takesBody: boolean;
  /** The route's own @ApiBody({ required: true }). */
  bodyRequired: boolean;
}

/** Every route handler of the application by operation id (`Controller_method`), with what the contract derives from it. */
function handlersOf(app: INestApplicationContext): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const controller = metatype as Type<unknown>;
      for (const key of Object.getOwnPropertyNames(controller.prototype)) {
        const method = controller.prototype[key];
        const audience = typeof method === 'function' ? audienceOf(method) : undefined;
        if (!audience) continue;
        const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) ?? {};
        const takesBody = Object.keys(args).some((arg) => arg.split(':')[0] === String(RouteParamtypes.BODY));
        const declared: Array<{ in?: string; required?: boolean }> = Reflect.getMetadata(DECORATORS.API_PARAMETERS, method) ?? [];
        const bodyRequired = declared.some((p) => p.in === 'body' && p.required === true);
        handlers.set(`${controller.name}_${key}`, { audience, takesBody, bodyRequired });
      }
    }
  }
  return handlers;
}

const problemContent = { 'application/problem+json': { schema: { $ref: `#/components/schemas/${ProblemResponse.name}` } } };

/**
 * What an operation needs beyond what its decorators say, derived from the handler: who may call it (its @Allow) and
 * the errors it can answer. 429 and 503 can answer anything (rate limits, connection caps, a store that is away).
 */
function completeOperation(operation: OperationObject, httpMethod: string, path: string, handler: Handler, schemas: Record<string, Schema>): void {
  const { audience } = handler;
  const open = audience.includes('public');
  // Which roles a scheme's credential must have: operatorKey alone cannot say admin-only from auditor-readable.
  (operation as OperationObject & { 'x-audience'?: string[] })['x-audience'] = [...audience];
  if (!open) {
    const schemes: Array<Record<string, string[]>> = [];
    if (audience.includes('passport')) schemes.push({ passport: [] });
    if (audience.includes('agent')) schemes.push({ agentAssertion: [] });
    if (audience.some((a) => a !== 'passport' && a !== 'agent')) schemes.push({ operatorKey: [] });
    operation.security = schemes;
  }
  const parameters = (operation.parameters ?? []) as Array<{ in?: string }>;
  const writes = httpMethod !== 'get';
  const statuses = [400, 429, 503];
  if (!open) statuses.push(401, 403);
  if (path.includes('{')) statuses.push(404);
  if (writes) statuses.push(409, 413, 415);
  if (handler.takesBody || parameters.some((p) => p.in === 'query' || p.in === 'header')) statuses.push(422);
  // Errors a route declares itself (a 404 for an id in its body) are problems too.
  statuses.push(...Object.keys(operation.responses).map(Number).filter((status) => status >= 400));
  for (const status of new Set(statuses)) {
    const existing = operation.responses[status] as { description?: string } | undefined;
    operation.responses[status] = { description: existing?.description ?? ERROR_STATUSES[status], content: problemContent };
  }
  const body = operation.requestBody as RequestBodyObject | undefined;
  if (body) {
    // A missing body reads as {} (the JSON parser's answer to an empty one): it is required exactly when its DTO has a
    // required field, or when the route says so (a body whose fields are each optional but not all at once).
    const ref = (body.content['application/json']?.schema as ReferenceObject | undefined)?.$ref;
    const schema = ref ? (schemas[ref.replace('#/components/schemas/', '')] as SchemaObject | undefined) : undefined;
    body.required = handler.bodyRequired || (schema?.required?.length ?? 0) > 0;
  }
}

/**
 * The HTTP contract, generated from the running application: its routes, the DTO classes that validate requests and
 * describe responses, and each handler's @Allow. No part of it is written by hand.
 */
export function buildOpenApiDocument(app: INestApplicationContext & Parameters<typeof SwaggerModule.createDocument>[0], version: string): OpenAPIObject {
  describeValidatedClasses();
  const config = new DocumentBuilder()
    .setTitle('Mandate')
    .setVersion(version)
    .setDescription('Missions, passports, revocation and audit for AI agents. Every error is RFC 9457 problem details with a stable `code`.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an operator key (mdt.…) or the instance admin key' }, 'operatorKey')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "a mission's passport (EdDSA JWT); a passport bound to an agent key (cnf.jkt) also needs a DPoP proof (RFC 9449) in the DPoP header" }, 'passport')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "an enrolled agent's own assertion: an EdDSA JWT it signs with its key (kid = the key id; iss = sub = the agent id; aud = the issuer; exp at most 60 s after iat; a jti used once)" }, 'agentAssertion')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemResponse],
    operationIdFactory: (controller, method) => `${controller}_${method}`,
    autoTagControllers: false,
  });
  const handlers = handlersOf(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [httpMethod, operation] of Object.entries(item) as Array<[string, OperationObject]>) {
      const handler = handlers.get(operation.operationId ?? '');
      if (!handler) throw new Error(`the contract has no handler for ${httpMethod} ${path} (${operation.operationId})`);
      completeOperation(operation, httpMethod, path, handler, document.components?.schemas ?? {});
    }
  }
  return document;
}

/** A schema with each $ref replaced by what it names: self-contained, for a JSON Schema validator. */
function inlined(schema: unknown, schemas: Record<string, Schema>, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inlined(item, schemas, seen));
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as ReferenceObject).$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    if (seen.includes(name)) throw new Error(`schema ${name} refers to itself: it cannot be inlined`);
    return inlined(schemas[name], schemas, [...seen, name]);
  }
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, inlined(value, schemas, seen)]),
  );
}

/**
 * The JSON Schema of a DTO class exactly as the contract describes it, every $ref inlined: what the validation pipe
 * enforces, for anyone compiling it into another validator (Fastify's, ajv). Built from the class alone, without an app.
 */
export function schemaOf(dto: Type<unknown>): SchemaObject {
  describeValidatedClasses();
  const schemas: Record<string, Schema> = {};
  const name = new SchemaObjectFactory(new ModelPropertiesAccessor(), new SwaggerTypesMapper()).exploreModelSchema(dto, schemas as Record<string, SchemaObject>);
  return inlined(schemas[name], schemas) as SchemaObject;
}
