/**
 * A refusal with a stable code and no HTTP status: the shell maps codes to statuses in one table
 * (libs/platform/src/problem.ts) and answers RFC 9457 problem details. Codes are public API: add, never rename.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} was not found`);
export const invalid = (message: string, extensions: Record<string, unknown> = {}) =>
  new DomainError('VALIDATION_FAILED', message, extensions);
