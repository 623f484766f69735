import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import { performance } from 'node:perf_hooks';
import * as zlib from 'node:zlib';
import { Agent, buildConnector, errors as undiciErrors, request as undiciRequest } from 'undici';
import { DomainError } from '@mandate/core';
import { classifyAddress } from './address';
import { HeaderValue, UpstreamRequest, withoutHopByHop } from './headers';

/** What one service allows: where its calls may go, and how long and how much the proxy waits for. */
export interface UpstreamPolicy {
  /** Host names (or literal addresses) calls may go to, compared exactly, case-insensitively. */
  allowedHosts: readonly string[];
  /** Hosts of a service marked internal: they may use `http:` and resolve to private or loopback addresses. */
  internalHosts?: readonly string[];
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  /** A CA (PEM) trusted besides the system's roots (`MANDATE_PROXY_CA_FILE`). */
  ca?: string;
}

export interface UpstreamResponse {
  status: number;
  /** Lower-cased names, hop-by-hop headers and `content-length` dropped (the body may be rewritten after this). */
  headers: Record<string, HeaderValue>;
  body: Buffer;
  bytes: number;
  latencyMs: number;
}

/** Every address a name resolves to. Tests pass their own to point an allowed name at loopback. */
export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address }) => address);

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A host as the URL parser writes it, brackets and one trailing dot dropped, lower-cased. */
export function hostKey(host: string): string {
  let parsed: string;
  try {
    parsed = new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`).hostname;
  } catch {
    parsed = host;
  }
  return parsed.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

const blocked = (host: string, address: string, range: string) =>
  new DomainError('PROXY_SSRF_BLOCKED', `${host} is not reachable through the proxy: ${address} is ${range}`, { range });

/** Undici's and the socket's failures, as the stable codes an agent is answered with. */
function upstreamFailure(error: unknown, host: string): DomainError {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string }).code ?? '';
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
  if (error instanceof undiciErrors.ConnectTimeoutError) return timeout(host, 'connect');
  if (error instanceof undiciErrors.HeadersTimeoutError) return timeout(host, 'headers');
  if (error instanceof undiciErrors.BodyTimeoutError) return timeout(host, 'body');
  if (/CERT|SELF_SIGNED|ERR_TLS|ERR_SSL|UNABLE_TO_(GET|VERIFY)/.test(`${code} ${cause}`)) {
    return new DomainError('UPSTREAM_TLS', `the TLS connection to ${host} could not be verified (${code || cause})`);
  }
  return new DomainError('UPSTREAM_UNREACHABLE', `${host} could not be reached (${code || cause || (error as Error).message})`);
}

const timeout = (host: string, phase: 'connect' | 'headers' | 'body') =>
  new DomainError('UPSTREAM_TIMEOUT', `${host} did not answer in time (${phase})`, { phase });

/** Where a call goes, once its URL has passed the checks that need no connection. */
export interface Target {
  url: URL;
  /** The host as compared with the service's hosts: lower-case, no brackets, no trailing dot. */
  host: string;
  internal: boolean;
}

/**
 * The checks of a call's URL that need no connection: an absolute URL without credentials; `https:` (plain `http:`
 * only to an internal host); the host one of the service's. The `query` parameters replace the URL's own of the same
 * name, so an injected credential is never sent beside the agent's value. Throws the refusal's stable code.
 */
export function checkTarget(request: Pick<UpstreamRequest, 'url' | 'query'>, policy: Pick<UpstreamPolicy, 'allowedHosts' | 'internalHosts'>): Target {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'url must be an absolute URL (https://host/path)', { errors: [{ field: 'url', problems: ['must be an absolute URL'] }] });
  }
  if (url.username || url.password) throw new DomainError('VALIDATION_FAILED', 'url must not carry credentials', { errors: [{ field: 'url', problems: ['must not carry credentials'] }] });
  const host = hostKey(url.hostname);
  const internal = (policy.internalHosts ?? []).some((name) => hostKey(name) === host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && internal)) {
    throw new DomainError('PROXY_SCHEME_NOT_ALLOWED', `${url.protocol.replace(/:$/, '')} is not allowed for ${host}: use https`);
  }
  if (!policy.allowedHosts.some((name) => hostKey(name) === host)) {
    throw new DomainError('PROXY_HOST_NOT_ALLOWED', `${host} is not one of the service's hosts`);
  }
  // A literal address is judged now; a name is judged when it is resolved, at connect time.
  if (isIP(host) && !internal) {
    const verdict = classifyAddress(host);
    if (!verdict.allowed) throw blocked(host, host, verdict.range);
  }
  return { url: withQuery(url, request.query), host, internal };
}

/** The URL with `query`'s parameters in place of its own of the same names, and no fragment: what goes upstream. */
export function withQuery(url: URL, query: UpstreamRequest['query']): URL {
  const out = new URL(url);
  for (const [name, value] of Object.entries(query ?? {})) {
    out.searchParams.delete(name);
    for (const one of [value].flat()) out.searchParams.append(name, one);
  }
  out.hash = '';
  return out;
}

/**
 * Forwards one request to a service's upstream, or refuses it with a stable code. Checks, in order: an absolute URL;
 * `https:` (plain `http:` only to an internal host); the host in the policy's allowed list; then, when the connection
 * is opened, every address the name resolves to — one private, loopback, link-local or otherwise non-public address
 * refuses the call unless the host is internal — and the socket goes to the address that was checked, never to a
 * second resolution (no DNS rebinding). Redirects are answered as they are, never followed.
 */
export class UpstreamClient {
  /** One connection pool per kind of policy (internal or not, extra CA, connect timeout), kept for reuse. */
  private readonly agents = new Map<string, Agent>();
  private readonly caKeys = new Map<string, string>();

  constructor(private readonly options: { resolve?: Resolver; maxAgents?: number } = {}) {}

  async forward(request: UpstreamRequest, policy: UpstreamPolicy): Promise<UpstreamResponse> {
    const started = performance.now();
    const { url, host, internal } = checkTarget(request, policy);
    const method = request.method.toUpperCase();
    if (!METHODS.has(method)) throw new DomainError('VALIDATION_FAILED', `the method ${request.method} cannot be proxied`);
    const headers: Record<string, HeaderValue> = { ...withoutHopByHop(request.headers), 'accept-encoding': 'identity' };
    // The client frames the body and names the host itself; undici refuses `expect` outright.
    for (const name of ['host', 'content-length', 'expect']) delete headers[name];
    let response;
    try {
      response = await undiciRequest(url, {
        dispatcher: this.agentFor(policy, internal),
        method: method as 'GET',
        headers,
        body: request.body,
        headersTimeout: policy.headersTimeoutMs,
        bodyTimeout: policy.bodyTimeoutMs,
      });
    } catch (error) {
      throw upstreamFailure(error, host);
    }
    const body = await this.readCapped(response, policy.maxResponseBytes, host);
    const responseHeaders = withoutHopByHop(response.headers as Record<string, HeaderValue>);
    delete responseHeaders['content-length'];
    const decoded = decode(body, responseHeaders, policy.maxResponseBytes, host);
    return { status: response.statusCode, headers: responseHeaders, body: decoded, bytes: decoded.length, latencyMs: performance.now() - started };
  }

  /** A short name for a CA's PEM, so the pool key is not the whole certificate. */
  private caKey(pem: string): string {
    let key = this.caKeys.get(pem);
    if (!key) this.caKeys.set(pem, (key = String(this.caKeys.size + 1)));
    return key;
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((agent) => agent.destroy()));
  }

  private agentFor(policy: UpstreamPolicy, internal: boolean): Agent {
    const key = `${internal ? 'internal' : 'public'}:${policy.connectTimeoutMs}:${policy.ca ? this.caKey(policy.ca) : ''}`;
    let agent = this.agents.get(key);
    if (agent) return agent;
    // Policies are few (internal or not, one CA, a timeout or two); a bound keeps a misconfiguration from leaking pools.
    if (this.agents.size >= (this.options.maxAgents ?? 32)) {
      const [oldestKey, oldest] = this.agents.entries().next().value as [string, Agent];
      this.agents.delete(oldestKey);
      void oldest.close();
    }
    // One TLS context per pool: built from the system's roots and the extra CA once, not on every new connection (which
    // took some 40 ms of the event loop each time with an extra CA).
    const tlsOptions = policy.ca ? { secureContext: createSecureContext({ ca: [...rootCertificates, policy.ca] }) } : {};
    const connector = buildConnector({ ...tlsOptions, timeout: policy.connectTimeoutMs } as buildConnector.BuildOptions);
    const resolve = this.options.resolve ?? systemResolver;
    agent = new Agent({
      connect: (options, callback) => {
        const name = options.hostname;
        addressesOf(name, resolve, policy.connectTimeoutMs).then(
          (addresses) => {
            const refused = internal ? null : firstBlocked(addresses);
            if (refused) return callback(blocked(name, refused.address, refused.range), null);
            // The checked address itself: the name is used for SNI and the certificate, never resolved again.
            connector({ ...options, hostname: addresses[0], servername: isIP(name) ? undefined : name }, callback);
          },
          (error) => callback(error, null),
        );
      },
    });
    this.agents.set(key, agent);
    return agent;
  }

  private async readCapped(response: Awaited<ReturnType<typeof undiciRequest>>, max: number, host: string): Promise<Buffer> {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      response.body.destroy();
      throw tooLarge(host, max);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body) {
        total += chunk.length;
        if (total > max) {
          response.body.destroy();
          throw tooLarge(host, max);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      throw upstreamFailure(error, host);
    }
    return Buffer.concat(chunks, total);
  }
}

const tooLarge = (host: string, max: number) =>
  new DomainError('UPSTREAM_RESPONSE_TOO_LARGE', `the response of ${host} is larger than ${max} bytes`, { maxResponseBytes: max });

/** The first address of a name that is not public: one is enough to refuse, whichever the socket would have used. */
export function firstBlocked(addresses: readonly string[]): { address: string; range: string } | null {
  for (const address of addresses) {
    const verdict = classifyAddress(address);
    if (!verdict.allowed) return { address, range: verdict.range };
  }
  return null;
}

async function addressesOf(name: string, resolve: Resolver, timeoutMs: number): Promise<string[]> {
  if (isIP(name)) return [name];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new undiciErrors.ConnectTimeoutError(`resolving ${name} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const addresses = await Promise.race([resolve(name), expired]);
    if (addresses.length === 0) throw Object.assign(new Error(`${name} resolves to no address`), { code: 'ENOTFOUND' });
    return addresses;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A compressed body is inflated (within the size cap) so that masking sees what the agent will read; the proxy asks
 * for `identity`, this is for upstreams that compress regardless.
 */
function decode(body: Buffer, headers: Record<string, HeaderValue>, max: number, host: string): Buffer {
  const encoding = String(headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const options = { maxOutputLength: max };
  try {
    const inflated =
      encoding === 'gzip' || encoding === 'x-gzip' ? zlib.gunzipSync(body, options)
      : encoding === 'deflate' ? zlib.inflateSync(body, options)
      : encoding === 'br' ? zlib.brotliDecompressSync(body, options)
      : null;
    if (inflated === null) throw new DomainError('UPSTREAM_UNREACHABLE', `${host} answered in an encoding the proxy cannot read (${encoding})`);
    delete headers['content-encoding'];
    return inflated;
  } catch (error) {
    if (error instanceof DomainError) throw error;
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(host, max);
    throw new DomainError('UPSTREAM_UNREACHABLE', `${host} answered with a body that does not decode as ${encoding}`);
  }
}
