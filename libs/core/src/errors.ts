/**
 * A refusal with a stable code. The HTTP shell turns it into RFC 9457 problem details; the code is public API,
 * so add codes, never rename them.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} was not found`, 404);
export const invalid = (message: string, extensions: Record<string, unknown> = {}) =>
  new DomainError('VALIDATION_FAILED', message, 422, extensions);
export const conflict = (code: string, message: string) => new DomainError(code, message, 409);
