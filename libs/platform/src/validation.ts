import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
// The types live under types/, the code under cjs/: the metadata store of the @Type decorators, read to follow nesting.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');
import { getMetadataStorage } from 'class-validator';
import { DomainError } from '@mandate/core';
import { isFreeFormJson, STRING_MAP, stringMapProblem } from './call-request.dto';
import { compiledValidatorOf } from './compiled-validation';
import type { ErrorObject } from 'ajv';

/**
 * class-validator recomputes a class's decorator metadata for every object it validates: for a batch of 100 tool
 * calls that was the largest cost of the request (profiled). Decorators run once, when modules load, so the answer
 * for a class never changes afterwards: remember it.
 */
function memoizeValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as {
    getTargetValidationMetadatas(target: Function, schema: string, always: boolean, strict: boolean, groups?: string[]): unknown[];
    memoized?: boolean;
  };
  if (storage.memoized) return;
  const compute = storage.getTargetValidationMetadatas.bind(storage);
  const cache = new WeakMap<Function, Map<string, unknown[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strict, groups) => {
    if (typeof target !== 'function') return compute(target, schema, always, strict, groups);
    const key = `${schema}|${always}|${strict}|${groups?.join(',') ?? ''}`;
    let byKey = cache.get(target);
    if (!byKey) cache.set(target, (byKey = new Map()));
    let metadata = byKey.get(key);
    if (!metadata) byKey.set(key, (metadata = compute(target, schema, always, strict, groups)));
    return metadata;
  };
  storage.memoized = true;
}
memoizeValidationMetadata();

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; problems: string[] }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** What the pipe needs of a DTO class, read once from its decorators: declared fields, free-form ones, nested types. */
interface DtoShape {
  declared: ReadonlySet<string>;
  freeForm: ReadonlySet<string>;
  /** Free-form fields that take any JSON, null included (a call's body); the others are objects when present. */
  anyJson: ReadonlySet<string>;
  nested: ReadonlyMap<string, Function>;
  /** Maps of names to strings (headers, query), judged and handed on as sent: [max entries, max value length]. */
  maps: ReadonlyMap<string, [number, number]>;
}

const shapes = new WeakMap<Function, DtoShape>();

function shapeOf(dto: Function): DtoShape {
  let shape = shapes.get(dto);
  if (shape) return shape;
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const declared = new Set(rules.map((m) => m.propertyName));
  const freeForm = new Set([...declared].filter((key) => isFreeFormJson(dto, key)));
  const anyJson = new Set([...freeForm].filter((key) => !rules.some((m) => m.propertyName === key && m.name === 'isObject')));
  const nested = new Map<string, Function>();
  for (const key of declared) {
    const type = freeForm.has(key) ? undefined : defaultMetadataStorage.findTypeMetadata(dto, key)?.typeFunction?.();
    if (typeof type === 'function') nested.set(key, type);
  }
  const maps = new Map(rules.filter((m) => m.name === STRING_MAP).map((m) => [m.propertyName, m.constraints as [number, number]]));
  shapes.set(dto, (shape = { declared, freeForm, anyJson, nested, maps }));
  return shape;
}

/** Names an object inherits: class-transformer skips some of them and the whitelist never sees the others. */
const INHERITED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

type Restore = (instance: unknown) => void;

interface Prepared {
  /** A copy whose free-form fields are empty stand-ins of the same kind, so their validators still judge the kind. */
  stripped: unknown;
  /** Puts the free-form values, as sent, back into the validated instance. */
  restore: Restore;
  /** Fields named like an inherited member (`constructor`, `toString`, …) that the DTO does not declare. */
  inherited: string[];
  /**
   * Declared fields sent as null. @IsOptional lets null through as if the field were absent, and it was then stored as
   * null (a policy rule's `amount_max: null` compared as 0): the contract says an optional field is left out, not null.
   */
  nulls: string[];
  /** Maps (headers, query) that are not maps of names to strings within their bounds, judged as sent. */
  invalid: Array<{ field: string; problems: string[] }>;
}

/** One walk of the request along the DTO's nested types; free-form JSON (a call's body) is never judged or rebuilt. */
function prepare(value: unknown, dto: Function, path = ''): Prepared {
  if (Array.isArray(value)) {
    const parts = value.map((item, i) => prepare(item, dto, `${path}${i}.`));
    return {
      stripped: parts.map((p) => p.stripped),
      restore: (instance) => Array.isArray(instance) && parts.forEach((p, i) => p.restore(instance[i])),
      inherited: parts.flatMap((p) => p.inherited),
      nulls: parts.flatMap((p) => p.nulls),
      invalid: parts.flatMap((p) => p.invalid),
    };
  }
  if (value === null || typeof value !== 'object') return { stripped: value, restore: () => undefined, inherited: [], nulls: [], invalid: [] };
  const shape = shapeOf(dto);
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const restores: Restore[] = [];
  const inherited: string[] = [];
  const nulls: string[] = [];
  const invalid: Prepared['invalid'] = [];
  for (const key of Object.keys(copy)) {
    if (!shape.declared.has(key)) {
      if (INHERITED_NAMES.has(key)) inherited.push(`${path}${key}`);
      continue;
    }
    const original = copy[key];
    if (original === null && !shape.anyJson.has(key)) nulls.push(`${path}${key}`);
    const into = (instance: unknown) => (instance && typeof instance === 'object' ? (instance as Record<string, unknown>) : null);
    const map = shape.maps.get(key);
    if (map && original !== null && original !== undefined) {
      const problem = stringMapProblem(original, ...map);
      if (problem) invalid.push({ field: `${path}${key}`, problems: [`${key} ${problem}`] });
      copy[key] = {};
      restores.push((instance) => {
        const target = into(instance);
        if (target) target[key] = original;
      });
      continue;
    }
    if (shape.freeForm.has(key)) {
      if (original !== null && typeof original === 'object') copy[key] = Array.isArray(original) ? [] : {};
      restores.push((instance) => {
        const target = into(instance);
        if (target) target[key] = original;
      });
      continue;
    }
    const nested = shape.nested.get(key);
    if (!nested) continue;
    const part = prepare(original, nested, `${path}${key}.`);
    copy[key] = part.stripped;
    inherited.push(...part.inherited);
    nulls.push(...part.nulls);
    invalid.push(...part.invalid);
    restores.push((instance) => into(instance) && part.restore(into(instance)![key]));
  }
  return { stripped: copy, restore: (instance) => restores.forEach((restore) => restore(instance)), inherited, nulls, invalid };
}

const refusal = (fields: Array<{ field: string; problems: string[] }>) =>
  new DomainError('VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ') || 'the request is not valid', { errors: fields });

/** Ajv's account of a refusal, in the pipe's shape: used only if class-validator would have accepted what Ajv refused. */
const fieldsOf = (errors: ErrorObject[]) =>
  errors.map((e) => {
    const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : '';
    const field = [...e.instancePath.split('/').slice(1), extra].filter(Boolean).join('.') || '(body)';
    return { field, problems: [extra ? `property ${extra} should not exist` : (e.message ?? 'is not valid')] };
  });

/** Unknown fields are refused, not dropped, whatever their name: a typo in a security setting must never pass silently. */
class MandateValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const compiled = metadata.type === 'body' && metadata.metatype ? compiledValidatorOf(metadata.metatype) : undefined;
    if (compiled) {
      // The hot routes: one compiled function judges the body, which the handler then gets exactly as sent. A missing
      // body is an empty object, as NestJS's pipe has it (so the handler's own "needs service and action" speaks).
      if (value === null || value === undefined) value = {};
      if (compiled(value)) return value;
      // A refusal is rare and its words matter: class-validator says it as on every other route.
      const errors = compiled.errors ?? [];
      await this.transformWithClassValidator(value, metadata);
      throw refusal(fieldsOf(errors));
    }
    return this.transformWithClassValidator(value, metadata);
  }

  /** The reference judge: class-validator itself, which the compiled rules must agree with (see the equivalence spec). */
  async transformWithClassValidator(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'body' || metadata.type === 'query') && metadata.metatype && metadata.metatype !== Object) {
      const { stripped, restore, inherited, nulls, invalid } = prepare(value, metadata.metatype);
      if (inherited.length > 0) throw refusal(inherited.map((field) => ({ field, problems: [`property ${field.split('.').pop()} should not exist`] })));
      if (nulls.length > 0) throw refusal(nulls.map((field) => ({ field, problems: [`${field.split('.').pop()} must not be null: leave it out instead`] })));
      if (invalid.length > 0) throw refusal(invalid);
      const instance = await super.transform(stripped, metadata);
      restore(instance);
      return instance;
    }
    return super.transform(value, metadata);
  }
}

export const mandateValidationPipe = new MandateValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => refusal(flatten(errors)),
});
