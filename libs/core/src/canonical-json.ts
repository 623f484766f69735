/**
 * Canonical JSON (RFC 8785 style for the values Mandate stores: objects with sorted keys, no whitespace,
 * JSON.stringify for strings and finite numbers). Stored events, hash chains and body digests use this form, so two
 * bodies that differ only in key order are the same and any other difference is not.
 */
// Keys repeat across events (the envelope, the fields of each event type): quote each once.
const quotedKeys = new Map<string, string>();
function quoted(key: string): string {
  let text = quotedKeys.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, text);
  }
  return text;
}

/** What JSON.stringify escapes in a string: quote, backslash, controls, and surrogates (a lone one it writes as \uXXXX). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Every event is written in this form before it is hashed, so it runs for each stored byte: strings that need no
 * escaping (nearly all) skip JSON.stringify, and keys already in order (most objects) skip the sort. The text is the
 * same either way (the spec compares it with the plain definition).
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite number in canonical JSON');
      // Number-to-string is what JSON.stringify writes for a finite number (-0 included: both write 0).
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
        return out + ']';
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1] > keys[i]) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        out += (first ? '' : ',') + quoted(key) + ':' + canonicalJson(member);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`${typeof value} cannot be written as JSON`);
  }
}
