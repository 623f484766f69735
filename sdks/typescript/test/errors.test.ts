/**
 * Problem details become the most specific error there is: by the problem's code, else by its status family, and
 * the document is kept whole. Pure: no server needed to say which class a code is.
 */
import {
  ApprovalRequired,
  BadRequest,
  CallMismatch,
  Conflict,
  Forbidden,
  MandateError,
  PassportRevoked,
  ProblemError,
  ProofRefused,
  ProxyCallAlreadyMade,
  problemError,
  problemOf,
  RateLimited,
  ServerBusy,
  Unauthenticated,
  Unavailable,
  UpstreamFailed,
} from '../src';
import { retryAfterMs } from '../src/retry';

it('given a problem with a known code, when it becomes an error, then it is the class of the code, inside the class of its status family, with the document kept', () => {
  const error = problemError(401, { code: 'PASSPORT_REVOKED', title: 'Unauthorized', detail: 'revoked by the kill switch', jti: 'pp_1' });
  expect(error).toBeInstanceOf(PassportRevoked);
  expect(error).toBeInstanceOf(Unauthenticated);
  expect(error).toBeInstanceOf(ProblemError);
  expect(error).toBeInstanceOf(MandateError);
  expect(error).toMatchObject({ name: 'PassportRevoked', status: 401, code: 'PASSPORT_REVOKED', detail: 'revoked by the kill switch', problem: { jti: 'pp_1' } });
  expect(error.message).toBe('401 PASSPORT_REVOKED: revoked by the kill switch');
});

it.each([
  ['DPOP_KEY_MISMATCH', 401, ProofRefused, Unauthenticated],
  ['APPROVAL_REQUIRED', 403, ApprovalRequired, Forbidden],
  ['call_mismatch', 403, CallMismatch, Forbidden],
  ['PROXY_CALL_ALREADY_MADE', 409, ProxyCallAlreadyMade, Conflict],
  ['SERVER_BUSY', 503, ServerBusy, Unavailable],
])('given the code %s, when it becomes an error, then it is its own class within its family', (code, status, own, family) => {
  const error = problemError(status, { code });
  expect(error).toBeInstanceOf(own);
  expect(error).toBeInstanceOf(family);
});

it('given a code the SDK has no class for, when it becomes an error, then the status family says what it is; an unknown status, ProblemError', () => {
  expect(problemError(429, { code: 'TOO_MANY_STREAMS' }, 10)).toMatchObject({ constructor: RateLimited, retryAfter: 10 });
  expect(problemError(504, { code: 'UPSTREAM_TIMEOUT' })).toBeInstanceOf(UpstreamFailed);
  expect(problemError(400, { code: 'MALFORMED_REQUEST' })).toBeInstanceOf(BadRequest);
  // Own-property lookup: a code named like an Object.prototype member is just unknown.
  expect(problemError(418, { code: 'constructor' }).constructor).toBe(ProblemError);
});

it('given an answer that is not a problem document, when it is read, then the status stands for the code and the text for the detail', () => {
  expect(problemOf(502, '<html>bad gateway</html>')).toEqual({ code: 'HTTP_502', detail: '<html>bad gateway</html>' });
  expect(problemOf(500, undefined)).toEqual({ code: 'HTTP_500', detail: '' });
  expect(problemOf(502, { error: 'Bad Gateway' })).toEqual({ error: 'Bad Gateway', code: 'HTTP_502' });
});

it('given Retry-After as seconds or as an HTTP date, when it is read, then it is the wait in milliseconds', () => {
  expect(retryAfterMs('7')).toBe(7000);
  expect(retryAfterMs(null)).toBeUndefined();
  expect(retryAfterMs('soon')).toBeUndefined();
  const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
  expect(retryAfterMs(inTenSeconds)).toBeGreaterThan(8_000);
  expect(retryAfterMs(new Date(0).toUTCString())).toBe(0);
});
