import Ajv, { ValidateFunction } from 'ajv';
// The types live under types/, the code under cjs/: the metadata store of the @Type decorators, read to follow nesting.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { isFreeFormJson } from './call-request.dto';

/**
 * The class-validator rules of a DTO, compiled once into a JSON Schema that Ajv turns into one function. On the hot
 * routes (logging, verify, intents, consume) that function judges every request: class-validator walks its decorator
 * metadata and class-transformer rebuilds the body as class instances on every call, which cost a tenth of a logging
 * request's time (profiled). The rules stay where they are written, on the DTO classes; this file only translates
 * them, and refuses at start-up to compile a rule it cannot translate exactly.
 *
 * class-validator's meaning is kept, including its quirks: an `@IsOptional()` field accepts `null` as well as absence.
 * One difference is known and documented: `@MaxLength` counts code points here (JSON Schema's `maxLength`, what the
 * OpenAPI document promises), while class-validator does not count the emoji presentation selectors U+FE0E/U+FE0F.
 */

export type JsonSchema = Record<string, unknown>;

const COMPILED = Symbol('mandate:compiled-validation');
const marked = new Set<Function>();

/** Marks a request-body DTO whose rules are compiled: its routes are hot enough for class-validator to show. */
export const CompiledValidation = (): ClassDecorator => (target) => {
  Reflect.defineProperty(target, COMPILED, { value: true });
  marked.add(target);
};

export const hasCompiledValidation = (dto: Function): boolean => (dto as unknown as Record<symbol, unknown>)[COMPILED] === true;

class UntranslatableRule extends Error {}

/** One class-validator constraint as JSON Schema keywords on the value it judges. */
function keywordsOf(rule: ValidationMetadata, where: string): JsonSchema {
  const [first, second] = rule.constraints ?? [];
  switch (rule.name) {
    case 'isString':
      return { type: 'string' };
    case 'isNotEmpty':
      // class-validator: not '', null or undefined. With a string type that is a minimum length of one.
      return { not: { enum: ['', null] } };
    case 'maxLength':
      return { type: 'string', maxLength: first };
    case 'matches': {
      const pattern = first as RegExp | string;
      const flags = typeof pattern === 'string' ? (second ?? '') : pattern.flags;
      if (flags) throw new UntranslatableRule(`${where}: @Matches with flags "${flags}" has no JSON Schema pattern`);
      return { type: 'string', pattern: typeof pattern === 'string' ? pattern : pattern.source };
    }
    case 'isIn':
      return { enum: [...(first as unknown[])] };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber': {
      const options = (first ?? {}) as { allowNaN?: boolean; allowInfinity?: boolean; maxDecimalPlaces?: number };
      // JSON has neither NaN nor Infinity (the body parser refuses overflowing numbers), so only decimals could differ.
      if (options.maxDecimalPlaces !== undefined) throw new UntranslatableRule(`${where}: @IsNumber maxDecimalPlaces`);
      return { type: 'number' };
    }
    case 'isBoolean':
      return { type: 'boolean' };
    case 'min':
      return { type: 'number', minimum: first };
    case 'max':
      return { type: 'number', maximum: first };
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'arrayMinSize':
      return { type: 'array', minItems: first };
    case 'arrayMaxSize':
      return { type: 'array', maxItems: first };
    default:
      throw new UntranslatableRule(`${where}: no JSON Schema for @${rule.name ?? rule.type}`);
  }
}

/** Several keyword sets on one value, as one schema: types intersect (integer within number), the rest add up. */
function merge(parts: JsonSchema[]): JsonSchema {
  const merged: JsonSchema = {};
  const nots: JsonSchema[] = [];
  for (const part of parts) {
    for (const [keyword, value] of Object.entries(part)) {
      if (keyword === 'not') nots.push(value as JsonSchema);
      else if (keyword === 'type' && merged.type !== undefined && merged.type !== value) {
        const pair = new Set([merged.type, value]);
        if (pair.has('integer') && pair.has('number') && pair.size === 2) merged.type = 'integer';
        else merged.type = { impossible: [...pair] } as unknown as string; // two types no value has: refused below
      } else merged[keyword] = value;
    }
  }
  if (typeof merged.type === 'object') return { not: {} };
  if (nots.length > 0) {
    // A non-empty string is the common case, and reads better as a minimum length.
    if (merged.type === 'string' && nots.every((n) => Array.isArray(n.enum) && n.enum.includes(''))) merged.minLength = Math.max(1, (merged.minLength as number) ?? 0);
    else merged.not = nots.length === 1 ? nots[0] : { anyOf: nots };
  }
  return merged;
}

/** `@IsOptional()`: class-validator skips every rule when the value is null or undefined. */
function orNull(schema: JsonSchema): JsonSchema {
  if (Object.keys(schema).length === 0) return schema;
  if (typeof schema.type === 'string' && schema.enum === undefined) return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [{ type: 'null' }, schema] };
}

/** The JSON Schema of a DTO class, read from its class-validator and class-transformer decorators (nested DTOs inline). */
export function schemaOfDto(dto: Function, seen: Function[] = []): JsonSchema {
  if (seen.includes(dto)) throw new UntranslatableRule(`${dto.name}: a DTO that contains itself cannot be compiled inline`);
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const byField = new Map<string, ValidationMetadata[]>();
  for (const rule of rules) byField.set(rule.propertyName, [...(byField.get(rule.propertyName) ?? []), rule]);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [field, fieldRules] of byField) {
    const where = `${dto.name}.${field}`;
    if (fieldRules.some((r) => r.groups?.length || (r.type === 'conditionalValidation' && r.name !== 'isOptional'))) {
      throw new UntranslatableRule(`${where}: validation groups and @ValidateIf have no JSON Schema here`);
    }
    const optional = fieldRules.some((r) => r.type === 'conditionalValidation' && r.name === 'isOptional');
    const own: JsonSchema[] = [];
    const perItem: JsonSchema[] = [];
    for (const rule of fieldRules) {
      if (rule.type === 'conditionalValidation' || rule.type === 'whitelistValidation') continue;
      if (rule.type === 'nestedValidation') {
        if (isFreeFormJson(dto, field)) continue;
        const nested = defaultMetadataStorage.findTypeMetadata(dto, field)?.typeFunction?.();
        if (typeof nested !== 'function') throw new UntranslatableRule(`${where}: @ValidateNested without @Type`);
        const schema = schemaOfDto(nested as Function, [...seen, dto]);
        (rule.each ? perItem : own).push(schema);
        continue;
      }
      if (rule.type !== 'customValidation') throw new UntranslatableRule(`${where}: no JSON Schema for a ${rule.type} rule`);
      (rule.each ? perItem : own).push(keywordsOf(rule, where));
    }
    let schema = merge(own);
    if (perItem.length > 0) {
      // class-validator applies an `each` rule to every item of an array, and to the value itself otherwise.
      const item = merge(perItem);
      schema = schema.type === 'array' ? { ...schema, items: item } : { anyOf: [{ type: 'array', items: item }, { not: { type: 'array' }, ...item }] };
    }
    const judged = own.length + perItem.length > 0;
    if (judged && !optional) required.push(field);
    properties[field] = optional ? orNull(schema) : schema;
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/**
 * class-validator's RegExp.test runs without the `u` flag, and so does Ajv here; no coercion, no defaults, no
 * removal: the body is judged exactly as sent, and on success handed to the handler as sent.
 */
const ajv = new Ajv({ allErrors: true, unicodeRegExp: false, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: true });

const compiled = new WeakMap<Function, ValidateFunction>();

/** The compiled judge of a marked DTO, built at its first request (or at start-up, by `compileMarkedDtos`). */
export function compiledValidatorOf(dto: Function): ValidateFunction | undefined {
  if (!hasCompiledValidation(dto)) return undefined;
  let validate = compiled.get(dto);
  if (!validate) compiled.set(dto, (validate = ajv.compile(schemaOfDto(dto))));
  return validate;
}

/**
 * Compiles every marked DTO, at start-up: the first request of each hot route does not pay for Ajv's code generation,
 * and a rule that has no exact translation stops the process before it answers anything.
 */
export function compileMarkedDtos(): string[] {
  for (const dto of marked) compiledValidatorOf(dto);
  return [...marked].map((dto) => dto.name);
}
