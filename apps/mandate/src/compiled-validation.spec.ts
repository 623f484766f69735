import 'reflect-metadata';
import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { DomainError } from '@mandate/core';
import { compiledValidatorOf, hasCompiledValidation, mandateValidationPipe, schemaOf } from '@mandate/platform';

type JsonSchema = Record<string, unknown>;
import { MandateModule } from './mandate.module';

/** Every route of the all-in-one process with the DTO class of its body, if it takes one. */
function bodyRoutes(): Array<{ route: string; dto: Function }> {
  const controllers = new Set<Type<unknown>>();
  const visit = (module: Type<unknown>) => {
    for (const c of Reflect.getMetadata('controllers', module) ?? []) controllers.add(c);
    for (const m of Reflect.getMetadata('imports', module) ?? []) if (typeof m === 'function') visit(m);
  };
  visit(MandateModule);
  return [...controllers].flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype).flatMap((name) => {
      const handler = controller.prototype[name];
      if (typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) return [];
      const args: Record<string, { index: number }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {};
      const body = Object.entries(args).find(([key]) => Number(key.split(':')[0]) === RouteParamtypes.BODY);
      if (!body) return [];
      const dto: Function = Reflect.getMetadata('design:paramtypes', controller.prototype, name)[body[1].index];
      const base = String(Reflect.getMetadata(PATH_METADATA, controller)).replace(/^\/|\/$/g, '');
      const path = String(Reflect.getMetadata(PATH_METADATA, handler)).replace(/^\/|\/$/g, '');
      return [{ route: `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler)]} /${[base, path].filter(Boolean).join('/')}`, dto }];
    }),
  );
}

/** A small seeded generator (mulberry32): the same cases on every run, so a divergence can be replayed. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

// No U+FE0E/U+FE0F here: class-validator does not count them in a length, JSON Schema does (the documented difference).
const CHARACTERS = ['a', 'z', 'Z', '0', '9', '.', '_', ':', '-', '*', ' ', 'é', '😀', '\n', '/'];
const SAMPLES = ['slack', 'stripe', 'stripe:refunds:create', 'a', '', 'EUR', 'eur', 'GET', 'POST', 'success', 'https://api.example.com/x', 'Slack', '-x'];
const JUNK: unknown[] = [null, true, false, 0, -1, 1.5, 1e15, 1e16, 'x', '', [], {}, [1], [{}], { a: 1 }];

function stringNear(rnd: Random, schema: JsonSchema): string {
  if (typeof schema.pattern === 'string' && rnd.chance(0.7)) {
    const matching = SAMPLES.filter((sample) => new RegExp(schema.pattern as string).test(sample));
    if (matching.length > 0) return rnd.pick(matching);
  }
  const limit = (schema.maxLength as number | undefined) ?? 20;
  const length = rnd.chance(0.3) ? limit + rnd.int(3) - 1 : rnd.int(Math.min(limit, 20) + 1);
  if (rnd.chance(0.5)) return rnd.pick(SAMPLES);
  return Array.from({ length: Math.max(0, length) }, () => rnd.pick(CHARACTERS)).join('');
}

/** A value for a schema: usually one it might accept, near its bounds, sometimes anything at all. */
function valueFor(rnd: Random, schema: JsonSchema, depth = 0): unknown {
  if (rnd.chance(0.06) || depth > 4) return rnd.pick(JUNK);
  if (Array.isArray(schema.anyOf)) return valueFor(rnd, rnd.pick(schema.anyOf as JsonSchema[]), depth);
  if (Array.isArray(schema.enum)) return rnd.chance(0.8) ? rnd.pick(schema.enum) : stringNear(rnd, schema);
  const types = ([] as unknown[]).concat(schema.type ?? rnd.pick(['string', 'number', 'object', 'array']));
  const type = rnd.pick(types);
  switch (type) {
    case 'null':
      return null;
    case 'string':
      return stringNear(rnd, schema);
    case 'integer':
    case 'number': {
      const bounds = [schema.minimum, schema.maximum].filter((b): b is number => typeof b === 'number');
      const base = bounds.length > 0 && rnd.chance(0.5) ? rnd.pick(bounds) : rnd.int(5000) - 100;
      return base + rnd.pick([0, 0, -1, 1, 0.5, -0.5]);
    }
    case 'boolean':
      return rnd.chance(0.5);
    case 'array': {
      const max = (schema.maxItems as number | undefined) ?? 3;
      const length = rnd.chance(0.1) ? max + 1 : rnd.int(Math.min(max, 3) + 1);
      return Array.from({ length }, () => valueFor(rnd, (schema.items as JsonSchema) ?? {}, depth + 1));
    }
    default:
      return objectFor(rnd, schema, depth);
  }
}

function objectFor(rnd: Random, schema: JsonSchema, depth: number): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const value: Record<string, unknown> = {};
  // A map (headers, query): a few names, values near its rules and not.
  if (typeof schema.additionalProperties === 'object' && rnd.chance(0.9)) {
    const count = rnd.chance(0.1) ? ((schema.maxProperties as number | undefined) ?? 3) + 1 : rnd.int(4);
    for (let i = 0; i < count; i++) value[`x-${i}`] = valueFor(rnd, schema.additionalProperties as JsonSchema, depth + 1);
  }
  for (const [name, property] of Object.entries(properties)) {
    if (rnd.chance(required.has(name) ? 0.97 : 0.4)) value[name] = valueFor(rnd, property, depth + 1);
  }
  // Unknown fields, including the ones named like Object.prototype members.
  if (rnd.chance(0.05)) value[rnd.pick(['extra', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'Service'])] = rnd.pick(JUNK);
  return value;
}

const accepts = (judging: Promise<unknown>) => judging.then(() => true, () => false);
/** The pipe as the hot routes run it: the compiled rules (class-validator only speaks once they refused). */
const pipeAccepts = (dto: Function, value: unknown) => accepts(mandateValidationPipe.transform(structuredClone(value), { type: 'body', metatype: dto as Type<unknown> }));
/** class-validator alone, as every other route runs it. */
const classValidatorAccepts = (dto: Function, value: unknown) =>
  accepts(mandateValidationPipe.transformWithClassValidator(structuredClone(value), { type: 'body', metatype: dto as Type<unknown> }));

const compiledRoutes = bodyRoutes().filter(({ dto }) => hasCompiledValidation(dto));

describe('compiled validation of the hot routes', () => {
  it('covers the hot routes: logging, verify, intents (and simulate), consume and the proxy', () => {
    // given the routes of the all-in-one process
    // when the ones whose body DTO is compiled are listed
    const routes = compiledRoutes.map((r) => r.route).sort();
    // then the hot routes are among them
    expect(routes).toEqual(
      expect.arrayContaining(['POST /v1/passports/:jti/actions', 'POST /v1/passports/verify', 'POST /v1/intents', 'POST /v1/intents/:intentId/consume', 'POST /v1/proxy']),
    );
  });

  describe.each(compiledRoutes.map((r) => [r.route, r.dto] as const))('%s', (_route, dto) => {
    const validate = compiledValidatorOf(dto)!;

    it('agrees with class-validator on 4,000 generated bodies, accepted and refused alike', async () => {
      // given generated bodies near the DTO's rules and bounds, and outside them
      const rnd = random(0x5eed + dto.name.length);
      const schema = schemaOf(dto as Type<unknown>) as JsonSchema;
      const disagreements: Array<{ body: unknown; compiled: boolean; classValidator: boolean }> = [];
      let accepted = 0;
      for (let i = 0; i < 4000; i++) {
        const body = rnd.chance(0.03) ? rnd.pick(JUNK) : objectFor(rnd, schema, 0);
        // when both judge it
        const compiled = await pipeAccepts(dto, body);
        const reference = await classValidatorAccepts(dto, body);
        if (compiled) accepted++;
        if (compiled !== reference) disagreements.push({ body, compiled, classValidator: reference });
      }
      // then they agree on every one, and the cases were not all of one kind
      expect(disagreements.slice(0, 3)).toEqual([]);
      expect(accepted).toBeGreaterThan(100);
      expect(accepted).toBeLessThan(3900);
    });

    it('hands the handler the body exactly as sent, free-form JSON included', async () => {
      // given a body the compiled rules accept
      const rnd = random(7);
      const schema = schemaOf(dto as Type<unknown>) as JsonSchema;
      let body: unknown;
      do body = objectFor(rnd, schema, 0);
      while (!validate(body));
      // when the pipe judges it
      const result = await mandateValidationPipe.transform(body, { type: 'body', metatype: dto as Type<unknown> });
      // then it is the same object, not a rebuilt copy
      expect(result).toBe(body);
    });
  });

  it('refuses with the same problem as class-validator, field by field', async () => {
    // given the logging DTO and a body with an unknown field and an outcome it does not know
    const dto = compiledRoutes.find((r) => r.route === 'POST /v1/passports/:jti/actions')!.dto;
    const body = { service: 'slack', action: 'x', outcome: 'maybe', extra: 1 };
    // when the pipe judges it
    const error = (await mandateValidationPipe.transform(body, { type: 'body', metatype: dto as Type<unknown> }).catch((e: unknown) => e)) as DomainError;
    // then the refusal names both fields, in class-validator's words
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.extensions.errors).toEqual([
      { field: 'extra', problems: ['property extra should not exist'] },
      { field: 'outcome', problems: ['outcome must be one of the following values: success, failure, unknown'] },
    ]);
  });

  it('counts U+FE0F in a length, as JSON Schema does and the OpenAPI document says (class-validator does not)', () => {
    // given verify's token limit of 8,192 characters and a token of 8,192 letters and one variation selector
    const dto = compiledRoutes.find((r) => r.route === 'POST /v1/passports/verify')!.dto;
    const token = 'a'.repeat(8192) + '\uFE0F';
    // when the compiled rules judge it
    // then it is one character too long
    expect(compiledValidatorOf(dto)!({ token })).toBe(false);
    expect(compiledValidatorOf(dto)!({ token: token.slice(1) })).toBe(true);
  });
});
