import { DomainError } from '@mandate/core';

export type HeaderValue = string | string[];
export type Headers = Record<string, HeaderValue | undefined>;

/** What an agent asks the proxy to send; the upstream client forwards exactly this. */
export interface UpstreamRequest {
  method: string;
  url: string;
  headers?: Headers;
  query?: Record<string, string | string[]>;
  body?: Buffer | string;
}

/** How a service expects its credential: the secret itself never comes from the agent. */
export type CredentialPresentation =
  | { kind: 'bearer' }
  | { kind: 'header'; name: string }
  | { kind: 'basic'; username?: string }
  | { kind: 'query'; name: string };

/** Meaningful for one connection only (RFC 9110 §7.6.1), so never passed from one side of the proxy to the other. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/** The HTTP client frames the body itself, and it (not the agent) chooses what goes on the wire. */
const FRAMING = new Set(['host', 'content-length', 'expect']);

/** The caller's own credentials: an agent never authenticates upstream as anyone but the injected credential. */
const CALLER_CREDENTIALS = new Set(['authorization', 'cookie']);

function lower(headers: Headers | undefined): Array<[string, HeaderValue]> {
  return Object.entries(headers ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name.toLowerCase(), value]]));
}

/** Names a `Connection` header lists are hop-by-hop for that message too. */
function connectionListed(entries: Array<[string, HeaderValue]>): Set<string> {
  const listed = entries.filter(([name]) => name === 'connection').flatMap(([, value]) => [value].flat());
  return new Set(listed.flatMap((value) => value.split(',')).map((name) => name.trim().toLowerCase()).filter(Boolean));
}

/** A response's headers without hop-by-hop ones, names lower-cased. */
export function withoutHopByHop(headers: Headers | undefined): Record<string, HeaderValue> {
  const entries = lower(headers);
  const listed = connectionListed(entries);
  return Object.fromEntries(entries.filter(([name]) => !HOP_BY_HOP.has(name) && !listed.has(name)));
}

/**
 * The headers of an agent's request that may go upstream: no `authorization`, `cookie` or `proxy-*` of the caller,
 * nothing hop-by-hop, no `host` or framing headers.
 */
export function forwardableHeaders(headers: Headers | undefined): Record<string, HeaderValue> {
  return Object.fromEntries(
    Object.entries(withoutHopByHop(headers)).filter(
      ([name]) => !CALLER_CREDENTIALS.has(name) && !name.startsWith('proxy-') && !FRAMING.has(name),
    ),
  );
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Basic's `user:password`: the secret as the password of a named user, or (Stripe's form) as the user name alone. */
const basicPair = (presentation: { username?: string }, secret: string) =>
  presentation.username !== undefined ? `${presentation.username}:${secret}` : `${secret}:`;

/** The request with the caller's credentials removed and the service's credential put where the service expects it. */
export function injectCredential(request: UpstreamRequest, presentation: CredentialPresentation, secret: string): UpstreamRequest {
  const headers = forwardableHeaders(request.headers);
  switch (presentation.kind) {
    case 'bearer':
      return { ...request, headers: { ...headers, authorization: `Bearer ${secret}` } };
    case 'basic':
      return { ...request, headers: { ...headers, authorization: `Basic ${Buffer.from(basicPair(presentation, secret)).toString('base64')}` } };
    case 'header': {
      const name = presentation.name.toLowerCase();
      if (!TOKEN.test(name) || HOP_BY_HOP.has(name) || FRAMING.has(name)) {
        throw new DomainError('VALIDATION_FAILED', `a credential cannot be presented in the header "${presentation.name}"`);
      }
      return { ...request, headers: { ...headers, [name]: secret } };
    }
    case 'query':
      // The agent's own value of that parameter is replaced, never sent alongside.
      return { ...request, headers, query: { ...request.query, [presentation.name]: secret } };
  }
}

/**
 * Every spelling of a secret an upstream might echo back: as is, URL-encoded (both ways), JSON-escaped, in base64,
 * and for basic credentials the base64 of `username:secret` that went out. Longest first, so that a form containing
 * another is masked whole.
 */
export function secretForms(presentation: CredentialPresentation, secret: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64'),
  ];
  if (presentation.kind === 'basic') forms.push(Buffer.from(basicPair(presentation, secret)).toString('base64'));
  return [...new Set(forms.filter((form) => form.length > 0))].sort((a, b) => b.length - a.length);
}
