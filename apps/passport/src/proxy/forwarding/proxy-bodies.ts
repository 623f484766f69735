import { MaskingPattern, scrub, UpstreamResponse } from '@mandate/proxy';

/** The bytes an agent's `body` becomes upstream, and the content type they go with unless the agent named one. */
export function requestBodyOf(call: { body?: unknown; headers?: Record<string, string | string[]> }): { bytes: Buffer; headers: Record<string, string> } {
  if (call.body === undefined || call.body === null) return { bytes: Buffer.alloc(0), headers: {} };
  if (typeof call.body === 'string') return { bytes: Buffer.from(call.body, 'utf8'), headers: { 'content-type': 'text/plain; charset=utf-8' } };
  return { bytes: Buffer.from(JSON.stringify(call.body), 'utf8'), headers: { 'content-type': 'application/json' } };
}

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;
const TEXT_TYPE = /^(text\/|application\/([\w.+-]*\+)?(xml|javascript|x-www-form-urlencoded|graphql|yaml|x-ndjson|csv)\b)/i;

const contentTypeOf = (response: Pick<UpstreamResponse, 'headers'>) => String([response.headers['content-type'] ?? ''].flat()[0]);

/** The answer's body for the agent: parsed JSON when it is JSON, text when it is text, base64 otherwise. */
export function responseBodyView(response: Pick<UpstreamResponse, 'headers' | 'body'>): { body: unknown; body_encoding: 'json' | 'text' | 'base64' } {
  if (response.body.length === 0) return { body: null, body_encoding: 'text' };
  const type = contentTypeOf(response);
  const text = () => response.body.toString('utf8');
  if (JSON_TYPE.test(type)) {
    try {
      return { body: JSON.parse(text()), body_encoding: 'json' };
    } catch {
      // A JSON type with a body that is not JSON: the agent gets the text as it came.
      return { body: text(), body_encoding: 'text' };
    }
  }
  if (TEXT_TYPE.test(type) || type === '') {
    const decoded = text();
    if (!decoded.includes('\uFFFD')) return { body: decoded, body_encoding: 'text' };
  }
  return { body: response.body.toString('base64'), body_encoding: 'base64' };
}

const cut = (text: string, limit: number) => (Buffer.byteLength(text) <= limit ? text : Buffer.from(text).subarray(0, limit).toString('utf8').replace(/\uFFFD$/, '') + '…');

/**
 * The bodies kept with an ended call when the tenant turned capture on: masked like the answer (the secret's forms
 * and the masking patterns), then cut at the tenant's limit. Bytes that are not text are kept as their size only.
 */
export function bodyCapture(
  request: Buffer,
  response: Pick<UpstreamResponse, 'headers' | 'body'>,
  secrets: readonly string[],
  patterns: readonly MaskingPattern[],
  limit: number,
): { request?: string; response?: string } {
  const asText = (body: Buffer, headers: UpstreamResponse['headers']) => {
    if (body.length === 0) return undefined;
    const masked = scrub({ headers, body }, secrets, patterns).response.body;
    const view = responseBodyView({ headers, body: masked });
    return view.body_encoding === 'base64' ? `(${body.length} bytes, not text)` : cut(masked.toString('utf8'), limit);
  };
  return {
    ...(request.length > 0 ? { request: asText(request, { 'content-type': 'text/plain' }) } : {}),
    ...(response.body.length > 0 ? { response: asText(response.body, response.headers) } : {}),
  };
}
