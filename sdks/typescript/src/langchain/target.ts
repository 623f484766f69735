/**
 * The target a recorded tool call carries: a short summary of its arguments that never holds a secret (the Python
 * SDK's rules, so both SDKs write the same audit for the same call).
 */
import { callTarget } from './http-call.js';
import type { MandateScope } from './scope.js';

export const TARGET_MAX = 200;
const VALUE_MAX = 40;
export const REDACTED = '[redacted]';
const SECRET_NAME = /pass(word|phrase)?|secret|token|api[-_]?key|^key$|_key$|auth|cookie|credential|session|signature|private|otp|pin$/i;
const SECRET_VALUE =
  /^(?:sk|rk|pk|ghp|gho|ghu|ghs|ghr|glpat|xox[abeprs]|AKIA|ASIA|AIza|ya29|eyJ)[-_.A-Za-z0-9]{6,}|^(?:Bearer|Basic|Token)\s+\S|-----BEGIN/i;
const OPAQUE = /^[A-Za-z0-9_\-+/=.]{24,}$/;
const CARD = /^[\d -]{13,23}$/;

function secretText(value: string): boolean {
  const v = value.trim();
  if (SECRET_VALUE.test(v)) return true;
  const digits = v.replace(/\D/g, '').length;
  if (CARD.test(v) && digits >= 13 && digits <= 19) return true;
  // A long unbroken run of letters and digits is a key more often than anything an audit needs to read.
  return OPAQUE.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v);
}

function short(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') {
    if (secretText(value)) return REDACTED;
    return JSON.stringify(value.length <= VALUE_MAX ? value : `${value.slice(0, VALUE_MAX - 1)}…`);
  }
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? '' : 's'}]`;
  if (typeof value === 'object') return '{…}';
  return `<${typeof value}>`;
}

function clip(text: string): string | undefined {
  return (text.length <= TARGET_MAX ? text : `${text.slice(0, TARGET_MAX - 1)}…`) || undefined;
}

/**
 * `channel="#support", text="Ticket 4821 is being looked at"`: each argument's name and a short value; a value that
 * looks like a secret, or whose name does, is `[redacted]`; nested values are only counted.
 */
export function summary(args: Record<string, unknown> | string | undefined): string | undefined {
  if (args === undefined) return undefined;
  if (typeof args === 'string') return clip(short(args));
  return clip(Object.entries(args).map(([name, value]) => `${name}=${SECRET_NAME.test(name) ? REDACTED : short(value)}`).join(', '));
}

/** A proxied tool's target is its call's method, host and path; any other tool's, a summary of its arguments. */
export function targetOf(scope: MandateScope, args: Record<string, unknown> | string | undefined): string | undefined {
  if (scope.proxied && args !== undefined && typeof args === 'object') {
    try {
      return callTarget(scope.call(args));
    } catch {
      // Arguments that do not make the call: the summary says what they were.
    }
  }
  return summary(args);
}
