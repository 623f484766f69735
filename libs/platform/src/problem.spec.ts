import * as fs from 'fs';
import * as path from 'path';
import { DomainError } from '@mandate/core';
import { APPROVAL_REFUSALS } from '@mandate/intents';
import { STATUS_BY_CODE, toProblem } from './problem';

/** Every source file of the server, to find each code a DomainError is thrown with. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return /\.ts$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name) ? [file] : [];
  });
}

describe('the code → status table', () => {
  const root = path.join(__dirname, '..', '..', '..');
  const thrown = new Set(
    ['apps', 'libs'].flatMap((dir) => sources(path.join(root, dir))).flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/new DomainError\(\s*'([A-Za-z_]+)'/g)].map((m) => m[1]),
    ),
  );

  it('given every code thrown in apps/ and libs/, then each has an HTTP status', () => {
    expect(thrown.size).toBeGreaterThan(20);
    expect([...thrown].filter((code) => STATUS_BY_CODE[code] === undefined)).toEqual([]);
  });

  it('given the refusals of the gate and of a dead passport, then each has its status', () => {
    expect(Object.fromEntries(Object.values(APPROVAL_REFUSALS).map(({ code }) => [code, STATUS_BY_CODE[code]]))).toEqual({
      APPROVAL_PENDING: 409, APPROVAL_REJECTED: 403, APPROVAL_EXPIRED: 403, APPROVAL_CONSUMED: 409, APPROVAL_NOT_YOURS: 403, call_mismatch: 403,
    });
    expect(['PASSPORT_REVOKED', 'PASSPORT_CHECKED_OUT', 'PASSPORT_EXPIRED'].map((code) => STATUS_BY_CODE[code])).toEqual([401, 401, 401]);
  });

  it('given a domain error with a code nobody mapped, then it is answered as an internal error, not guessed', () => {
    expect(toProblem(new DomainError('NOBODY_MAPPED_THIS', 'x'))).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});
