import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '@mandate/core';

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
      422,
      { errors: fields },
    );
  },
});
