/**
 * The HTTP call a declared tool makes for the model's arguments: what the credential proxy sends and what an approval
 * is for, exactly (the Python SDK's `http_call`, so both SDKs ask a person about the same URL and body).
 */
import type { HttpMethod } from '../mission/intents.js';

/** One HTTP call as the credential proxy and the approval gate see it. */
export interface HttpCall {
  method: HttpMethod;
  url: string;
  /** The JSON body of a POST, PUT or PATCH (absent when no argument is left for it). */
  body?: Record<string, unknown>;
}

export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const BODY_METHODS = new Set<HttpMethod>(['POST', 'PUT', 'PATCH']);
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The `{names}` a URL template is filled with, in order. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** An argument as text: JSON for objects and lists (compact), `true`/`false`, else its string. */
function text(value: unknown): string {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One URL path segment: every reserved character encoded (Python's `quote(text, safe="")`, with `!'()*` too). */
function segment(value: unknown): string {
  return encodeURIComponent(text(value)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `url`'s `{placeholders}` filled from `args` (each value one URL-encoded segment); the other arguments are the JSON
 * body of a POST, PUT or PATCH, else the query string (in the URL itself, so that an approval, which is for the exact
 * URL, covers it). Throws a `RangeError` naming the arguments the URL needs and did not get.
 */
export function httpCall(method: string, url: string, args: Record<string, unknown>): HttpCall {
  const verb = method.toUpperCase() as HttpMethod;
  const used = placeholders(url);
  const missing = used.filter((name) => !Object.hasOwn(args, name));
  if (missing.length > 0) throw new RangeError(`the call's URL needs ${missing.join(', ')}`);
  const filled = url.replace(PLACEHOLDER, (whole, name: string) => (used.includes(name) ? segment(args[name]) : whole));
  const rest = Object.fromEntries(Object.entries(args).filter(([name]) => !used.includes(name)));
  if (BODY_METHODS.has(verb)) return Object.keys(rest).length > 0 ? { method: verb, url: filled, body: rest } : { method: verb, url: filled };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(rest)) {
    if (value === null || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(name, text(item));
  }
  const search = query.toString();
  return { method: verb, url: search ? `${filled}${filled.includes('?') ? '&' : '?'}${search}` : filled };
}

/** `POST api.example.com/v1/refunds`: what the call acts on, without its query string (which may carry values the audit should not keep). */
export function callTarget({ method, url }: HttpCall): string {
  const parsed = new URL(url);
  return `${method} ${parsed.host}${parsed.pathname}`;
}
