import { ApiProperty, ApiPropertyOptions, ApiSchema } from '@nestjs/swagger';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { isFreeFormJson, STRING_MAP } from '../call-request.dto';
// The types live under types/, the code under cjs/: the metadata store of the @Type decorators, read to follow nesting.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

/**
 * Any JSON value. Swagger's decorators always state a type, so the unconstrained schema is a named one: an empty
 * schema (`{}`), which is what OpenAPI calls any value.
 */
@ApiSchema({ name: 'AnyJson', description: 'any JSON value', type: undefined, properties: undefined } as Parameters<typeof ApiSchema>[0])
export class AnyJsonValue {}
const ANY_JSON = AnyJsonValue;

type Items = { type?: string; pattern?: string; maxLength?: number; minLength?: number; enum?: unknown[] };

/**
 * The OpenAPI property of one validated field, read from the very decorators the validation pipe enforces (resolved
 * at run time, so constants such as MISSION_LIMITS and wrappers such as @IsServiceName are seen as they are).
 */
function propertyOf(dto: Function, key: string, rules: ValidationMetadata[]): ApiPropertyOptions {
  const own = rules.filter((r) => !r.each);
  const each = rules.filter((r) => r.each);
  const named = (list: ValidationMetadata[], name: string) => list.find((r) => r.name === name);
  // A field is required when a rule would refuse its absence: any rule but @IsOptional, @Allow and free-form JSON.
  const optional =
    rules.some((r) => r.type === ValidationTypes.CONDITIONAL_VALIDATION) ||
    isFreeFormJson(dto, key) ||
    rules.every((r) => r.type === ValidationTypes.WHITELIST);
  const base = { required: !optional } as Record<string, unknown>;
  if (isFreeFormJson(dto, key)) {
    const kind = named(own, 'isObject') ? { type: 'object', additionalProperties: true } : { type: ANY_JSON };
    return { ...base, ...kind, description: 'any JSON, kept exactly as sent' } as ApiPropertyOptions;
  }
  const stringMap = named(own, STRING_MAP)?.constraints as [number, number] | undefined;
  if (stringMap) {
    const [maxEntries, maxLength] = stringMap;
    const value = { type: 'string', maxLength };
    const values = { anyOf: [value, { type: 'array', items: value, maxItems: maxEntries }] };
    return { ...base, type: 'object', maxProperties: maxEntries, additionalProperties: values } as ApiPropertyOptions;
  }
  const nested = rules.some((r) => r.type === ValidationTypes.NESTED_VALIDATION) ? defaultMetadataStorage.findTypeMetadata(dto, key)?.typeFunction?.() : undefined;
  const scalar = (list: ValidationMetadata[]): Items => {
    const schema: Items & Record<string, unknown> = {};
    const values = named(list, 'isIn')?.constraints?.[0] as unknown[] | undefined;
    if (named(list, 'isInt')) schema.type = 'integer';
    else if (named(list, 'isNumber')) schema.type = 'number';
    else if (named(list, 'isBoolean')) schema.type = 'boolean';
    else if (named(list, 'isObject')) schema.type = 'object';
    else if (values) schema.type = typeof values[0] === 'number' ? 'number' : 'string';
    else if (named(list, 'isString') || named(list, 'matches') || named(list, 'isISO8601')) schema.type = 'string';
    if (values) schema.enum = [...values];
    const pattern = named(list, 'matches')?.constraints?.[0];
    if (pattern instanceof RegExp) schema.pattern = pattern.source;
    if (named(list, 'isISO8601')) schema.format = 'date-time';
    const maxLength = named(list, 'maxLength')?.constraints?.[0];
    if (typeof maxLength === 'number') schema.maxLength = maxLength;
    if (named(list, 'isNotEmpty') && schema.type === 'string') schema.minLength = 1;
    const minimum = named(list, 'min')?.constraints?.[0];
    const maximum = named(list, 'max')?.constraints?.[0];
    if (typeof minimum === 'number') schema.minimum = minimum;
    if (typeof maximum === 'number') schema.maximum = maximum;
    return schema;
  };
  const array = named(own, 'isArray') || each.length > 0;
  if (array) {
    const limits: Record<string, number> = {};
    const max = named(own, 'arrayMaxSize')?.constraints?.[0];
    const min = named(own, 'arrayMinSize')?.constraints?.[0];
    if (typeof max === 'number') limits.maxItems = max;
    if (typeof min === 'number') limits.minItems = min;
    const items = nested ? { type: nested } : { items: scalar(each) };
    return { ...base, type: 'array', isArray: !!nested, ...items, ...limits } as ApiPropertyOptions;
  }
  if (nested) return { ...base, type: nested } as ApiPropertyOptions;
  const schema = scalar(own);
  // A field the validator judges by kind only (IsObject with no nested class) is an open object.
  if (schema.type === 'object') return { ...base, ...schema, additionalProperties: true } as ApiPropertyOptions;
  return { ...base, ...schema } as ApiPropertyOptions;
}

const described = new WeakSet<Function>();

/**
 * Gives every class that class-validator knows its OpenAPI properties, once: the DTO classes are the one source of
 * what a request may carry, for the pipe that validates it and for the document that describes it.
 */
export function describeValidatedClasses(): void {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, ValidationMetadata[]> };
  for (const [dto, metadata] of storage.validationMetadatas) {
    if (typeof dto !== 'function' || described.has(dto)) continue;
    described.add(dto);
    const byField = new Map<string, ValidationMetadata[]>();
    for (const rule of metadata) byField.set(rule.propertyName, [...(byField.get(rule.propertyName) ?? []), rule]);
    for (const [key, rules] of byField) ApiProperty(propertyOf(dto, key, rules))(dto.prototype, key);
    // The pipe refuses unknown fields, whatever their name: the schema is closed too.
    ApiSchema({ additionalProperties: false } as Parameters<typeof ApiSchema>[0])(dto);
  }
}
