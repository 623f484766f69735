import type { HeaderValue } from './headers';

/** What replaces a masked value in headers and body. */
export const MASK = '[masked]';

/** A configured kind of value never to be shown to an agent, such as card numbers. */
export interface MaskingPattern {
  name: string;
  /** Must have the `g` flag: every occurrence is masked. */
  pattern: RegExp;
  /** A further check on a match (a checksum); without one every match is masked. */
  accept?: (match: string) => boolean;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * Payment card numbers: 13 to 19 digits, single spaces or dashes allowed between them, starting as the card networks
 * do (2–6), and passing the Luhn check; a longer run of digits (an id, a timestamp) is not cut into one.
 */
export const CARD_NUMBERS: MaskingPattern = {
  name: 'card-number',
  pattern: /(?<![\d])[2-6](?:[ -]?\d){12,18}(?![\d])/g,
  accept: (match) => {
    const digits = match.replace(/[ -]/g, '');
    return digits.length >= 13 && digits.length <= 19 && luhn(digits);
  },
};

/** Media types whose bodies are text, where masking patterns are looked for. */
const TEXT = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded|graphql|yaml|x-ndjson|csv)\b)/i;

export interface ScrubbableResponse {
  headers: Record<string, HeaderValue>;
  body: Buffer;
}

export interface Scrubbed<R extends ScrubbableResponse> {
  response: R;
  /** How many values were replaced by the mask, secrets and pattern matches together. */
  masked: number;
}

function maskText(text: string, secrets: readonly string[], patterns: readonly MaskingPattern[]): { text: string; masked: number } {
  let masked = 0;
  for (const secret of secrets) {
    const parts = text.split(secret);
    masked += parts.length - 1;
    text = parts.join(MASK);
  }
  for (const { pattern, accept } of patterns) {
    text = text.replace(pattern, (match) => {
      if (accept && !accept(match)) return match;
      masked++;
      return MASK;
    });
  }
  return { text, masked };
}

function maskBytes(body: Buffer, secrets: readonly string[]): { body: Buffer; masked: number } {
  let masked = 0;
  const mask = Buffer.from(MASK);
  for (const secret of secrets) {
    const needle = Buffer.from(secret);
    const pieces: Buffer[] = [];
    let from = 0;
    for (let at = body.indexOf(needle, from); at !== -1; at = body.indexOf(needle, from)) {
      pieces.push(body.subarray(from, at), mask);
      from = at + needle.length;
      masked++;
    }
    if (from > 0) body = Buffer.concat([...pieces, body.subarray(from)]);
  }
  return { body, masked };
}

/**
 * The response with every occurrence of the secrets (pass all their forms: `secretForms`) and of the masking patterns
 * replaced by the mask, in header values and in the body. A text body is masked as text; any other body has the
 * secrets' bytes masked (patterns are not looked for in bytes that are not text).
 */
export function scrub<R extends ScrubbableResponse>(
  response: R,
  secrets: readonly string[],
  patterns: readonly MaskingPattern[] = [CARD_NUMBERS],
): Scrubbed<R> {
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let masked = 0;
  const maskValue = (value: string) => {
    const result = maskText(value, ordered, patterns);
    masked += result.masked;
    return result.text;
  };
  const headers = Object.fromEntries(
    Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.map(maskValue) : maskValue(value)]),
  );
  const contentType = [response.headers['content-type'] ?? ''].flat()[0];
  let body: Buffer;
  if (TEXT.test(contentType)) {
    const result = maskText(response.body.toString('utf8'), ordered, patterns);
    masked += result.masked;
    body = result.masked > 0 ? Buffer.from(result.text, 'utf8') : response.body;
  } else {
    const result = maskBytes(response.body, ordered);
    masked += result.masked;
    body = result.body;
  }
  return { response: { ...response, headers, body }, masked };
}
