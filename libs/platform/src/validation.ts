import { ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { DomainError } from '@mandate/core';

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

/** Unknown fields are refused, not dropped: a typo in a security setting must never pass silently. */
export const mandateValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => {
    const fields = flatten(errors);
    return new DomainError(
      'VALIDATION_FAILED',
      fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ') || 'the request is not valid',
      { errors: fields },
    );
  },
});
