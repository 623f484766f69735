import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
// The types live under types/, the code under cjs/: the metadata store of the @Type decorators, read to follow nesting.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');
import { getMetadataStorage } from 'class-validator';
import { DomainError } from '@mandate/core';
import { isFreeFormJson } from './call-request.dto';

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

/** The nested DTO class of `key` (from its @Type), if it has one. */
const nestedDto = (dto: Function, key: string): Function | undefined => {
  const nested = defaultMetadataStorage.findTypeMetadata(dto, key)?.typeFunction?.();
  return typeof nested === 'function' ? nested : undefined;
};

/** Names an object inherits: class-transformer skips some of them and the whitelist never sees the others. */
const INHERITED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

/**
 * The fields of `value` named like an inherited member (`constructor`, `toString`, …) that `dto` does not declare,
 * following the DTO's nested types (`@Type`) so a free-form field (any JSON, such as a call's body) is never judged.
 */
function inheritedNamesIn(value: unknown, dto: Function, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => inheritedNamesIn(item, dto, `${path}${i}.`));
  if (value === null || typeof value !== 'object') return [];
  const declared = new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((m) => m.propertyName));
  return Object.keys(value).flatMap((key) => {
    if (!declared.has(key)) return INHERITED_NAMES.has(key) ? [`${path}${key}`] : [];
    const nested = isFreeFormJson(dto, key) ? undefined : nestedDto(dto, key);
    return nested ? inheritedNamesIn((value as Record<string, unknown>)[key], nested, `${path}${key}.`) : [];
  });
}

type Restore = (instance: unknown) => void;

/**
 * A copy of `value` whose free-form fields are empty stand-ins of the same kind (so their validators still judge the
 * kind), and how to put the values as sent back into the validated instance.
 */
function setFreeFormAside(value: unknown, dto: Function): { stripped: unknown; restore: Restore } {
  if (Array.isArray(value)) {
    const parts = value.map((item) => setFreeFormAside(item, dto));
    return { stripped: parts.map((p) => p.stripped), restore: (instance) => Array.isArray(instance) && parts.forEach((p, i) => p.restore(instance[i])) };
  }
  if (value === null || typeof value !== 'object') return { stripped: value, restore: () => undefined };
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const restores: Restore[] = [];
  for (const key of Object.keys(copy)) {
    const original = copy[key];
    if (isFreeFormJson(dto, key)) {
      if (original !== null && typeof original === 'object') copy[key] = Array.isArray(original) ? [] : {};
      restores.push((instance) => instance && typeof instance === 'object' && ((instance as Record<string, unknown>)[key] = original));
      continue;
    }
    const nested = nestedDto(dto, key);
    if (!nested) continue;
    const part = setFreeFormAside(original, nested);
    copy[key] = part.stripped;
    restores.push((instance) => instance && typeof instance === 'object' && part.restore((instance as Record<string, unknown>)[key]));
  }
  return { stripped: copy, restore: (instance) => restores.forEach((restore) => restore(instance)) };
}

const refusal = (fields: Array<{ field: string; problems: string[] }>) =>
  new DomainError('VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ') || 'the request is not valid', { errors: fields });

/** Unknown fields are refused, not dropped, whatever their name: a typo in a security setting must never pass silently. */
class MandateValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'body' || metadata.type === 'query') && metadata.metatype && metadata.metatype !== Object) {
      const inherited = inheritedNamesIn(value, metadata.metatype);
      if (inherited.length > 0) throw refusal(inherited.map((field) => ({ field, problems: [`property ${field.split('.').pop()} should not exist`] })));
      const { stripped, restore } = setFreeFormAside(value, metadata.metatype);
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
