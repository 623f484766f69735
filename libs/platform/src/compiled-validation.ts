import Ajv, { ValidateFunction } from 'ajv';
import type { Type } from '@nestjs/common';
import { schemaOf } from './contract/openapi';

/**
 * The hot routes (logging, verify, intents, consume) judge their bodies with one compiled function: the JSON Schema
 * the contract publishes for the DTO class (`schemaOf`, read from the same class-validator decorators the pipe
 * enforces), compiled once by Ajv. class-validator walks its decorator metadata and class-transformer rebuilds the
 * body as class instances on every call, which cost a tenth of a logging request's time (profiled).
 *
 * So the document is what validates these routes, and apps/mandate/src/compiled-validation.spec.ts holds it to
 * class-validator's verdict on thousands of generated bodies. One difference is known and documented: `maxLength`
 * counts code points (JSON Schema's rule, which the document promises), while class-validator does not count the
 * emoji presentation selectors U+FE0E/U+FE0F.
 */

const marked = new Set<Function>();

/** Marks a request-body DTO whose rules are compiled: its routes are hot enough for class-validator to show. */
export const CompiledValidation = (): ClassDecorator => (target) => {
  marked.add(target);
};

export const hasCompiledValidation = (dto: Function): boolean => marked.has(dto);

/**
 * What Ajv is told: class-validator's RegExp.test runs without the `u` flag, and so does Ajv here; no coercion, no
 * defaults, no removal, so the body is judged exactly as sent and, on success, handed to the handler as sent. Not
 * strict: the document's schemas carry descriptions and OpenAPI's own words, which are not rules.
 */
export const COMPILED_VALIDATION_AJV_OPTIONS = { allErrors: true, unicodeRegExp: false, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: false } as const;

const ajv = new Ajv(COMPILED_VALIDATION_AJV_OPTIONS);
const compiled = new WeakMap<Function, ValidateFunction>();

/** The compiled judge of a marked DTO (built at start-up by `compileMarkedDtos`, or at its first request). */
export function compiledValidatorOf(dto: Function): ValidateFunction | undefined {
  if (!hasCompiledValidation(dto)) return undefined;
  let validate = compiled.get(dto);
  if (!validate) compiled.set(dto, (validate = ajv.compile(schemaOf(dto as Type<unknown>))));
  return validate;
}

/** Compiles every marked DTO at start-up, so the first request of each hot route does not pay for Ajv's code generation. */
export function compileMarkedDtos(): string[] {
  for (const dto of marked) compiledValidatorOf(dto);
  return [...marked].map((dto) => dto.name);
}
