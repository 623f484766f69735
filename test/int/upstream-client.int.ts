import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import { AddressInfo } from 'net';
import * as zlib from 'zlib';
import {
  CredentialPresentation, injectCredential, MASK, scrub, secretForms, UpstreamClient, UpstreamPolicy, UpstreamRequest,
} from '@mandate/proxy';
import { makeTestCertificates, TestCertificates } from './support/test-ca';

/** What the upstream saw of one request. */
interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const SECRET = 'sk_live_9c1f/4+Zq=';
const CARD = '4111 1111 1111 1111';

let certificates: TestCertificates;
let upstream: https.Server;
let upstreamPort: number;
let received: Received[];
/** A plain-HTTP server on loopback standing for something internal an agent must never reach by redirect. */
let internal: http.Server;
let internalPort: number;
let internalHits: number;
/** Accepts TCP and never speaks TLS: a connect that never completes. */
let silent: net.Server;
let silentPort: number;
const openSockets = new Set<{ destroy(): void }>();
let client: UpstreamClient;

/** The upstream: echoes what it received, and a few routes that misbehave on purpose. */
function handle(request: http.IncomingMessage, response: http.ServerResponse, body: string): void {
  const path = new URL(request.url ?? '/', 'https://x').pathname;
  const echo = JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body, card: CARD });
  switch (path) {
    case '/redirect':
      response.writeHead(302, { location: `http://127.0.0.1:${internalPort}/steal` }).end();
      return;
    case '/big':
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 65536 }).end(Buffer.alloc(65536, 1));
      return;
    case '/big-chunked':
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 64; i++) response.write(Buffer.alloc(1024, 1));
      response.end();
      return;
    case '/never':
      return; // headers never come
    case '/stall':
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('the first half, and then nothing');
      return;
    case '/gzip':
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zlib.gzipSync(echo));
      return;
    default:
      response.writeHead(200, { 'content-type': 'application/json', 'x-echo-authorization': String(request.headers.authorization ?? '') }).end(echo);
  }
}

const policy = (overrides: Partial<UpstreamPolicy> = {}): UpstreamPolicy => ({
  allowedHosts: ['localhost', 'api.test', '127.0.0.1'],
  internalHosts: ['localhost', 'api.test', '127.0.0.1'],
  // Generous: the machine is shared, and only the timeout cases below are meant to run out.
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  ca: certificates.caPem,
  ...overrides,
});

const at = (path: string, host = 'localhost') => `https://${host}:${upstreamPort}${path}`;
const get = (url: string, headers: Record<string, string> = {}): UpstreamRequest => ({ method: 'GET', url, headers });

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; extensions: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; extensions: Record<string, unknown> };
  }
  throw new Error('expected the call to be refused, and it was forwarded');
}

const listen = (server: net.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  certificates = makeTestCertificates();
  upstream = https.createServer({ cert: certificates.certPem, key: certificates.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      handle(request, response, body);
    });
  });
  upstream.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  internal = http.createServer((_, response) => {
    internalHits++;
    response.end('internal secrets');
  });
  silent = net.createServer((socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  [upstreamPort, internalPort, silentPort] = await Promise.all([listen(upstream), listen(internal), listen(silent)]);
});

beforeEach(() => {
  received = [];
  internalHits = 0;
  client = new UpstreamClient({
    // Stands for DNS: api.test is a name an operator listed, which resolves to loopback.
    // Every answer is loopback first, so that even a broken check would send nothing off this machine.
    resolve: async (hostname) => (hostname === 'two-faced.test' ? ['127.0.0.1', '2606:4700:4700::1111'] : ['127.0.0.1']),
  });
});

afterEach(async () => {
  await client.close();
});

afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await Promise.all([upstream, internal, silent].map((server) => new Promise((resolve) => server.close(resolve))));
  fs.rmSync(certificates.dir, { recursive: true, force: true });
});

describe('the credential arrives upstream, the agent never sees it', () => {
  const presentations: Array<[CredentialPresentation, (seen: Received) => string | undefined]> = [
    [{ kind: 'bearer' }, (seen) => seen.headers.authorization],
    [{ kind: 'header', name: 'X-Api-Key' }, (seen) => seen.headers['x-api-key'] as string],
    [{ kind: 'basic', username: 'acct' }, (seen) => seen.headers.authorization],
    [{ kind: 'query', name: 'api_key' }, (seen) => new URL(seen.url, 'https://x').searchParams.get('api_key') ?? undefined],
  ];
  const expected: Record<string, string> = {
    bearer: `Bearer ${SECRET}`,
    header: SECRET,
    basic: `Basic ${Buffer.from(`acct:${SECRET}`).toString('base64')}`,
    query: SECRET,
  };

  it.each(presentations)('given a %j service, then the secret arrives where it should and is masked in what comes back', async (presentation, where) => {
    const agentRequest: UpstreamRequest = {
      method: 'POST',
      url: at('/v1/charges?x=1&api_key=agents-url'),
      headers: { authorization: 'Bearer agents-own', cookie: 'sid=agents-cookie', 'proxy-authorization': 'Basic eA==', 'content-type': 'application/json' },
      query: { limit: '5', api_key: 'agents-guess' },
      body: '{"amount":5}',
    };

    const response = await client.forward(injectCredential(agentRequest, presentation, SECRET), policy());
    const { response: shown, masked } = scrub(response, secretForms(presentation, SECRET));

    expect(received).toHaveLength(1);
    const [seen] = received;
    expect(where(seen)).toBe(expected[presentation.kind]);
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain('agents-own');
    if (presentation.kind === 'query') expect(seen.url).not.toContain('agents-');
    expect(seen.body).toBe('{"amount":5}');
    expect(new URL(seen.url, 'https://x').searchParams.get('limit')).toBe('5');
    expect(response.status).toBe(200);
    expect(response.body.toString()).toContain(presentation.kind === 'basic' ? Buffer.from(`acct:${SECRET}`).toString('base64') : SECRET.slice(0, 8));
    const everything = JSON.stringify(shown.headers) + shown.body.toString();
    for (const form of secretForms(presentation, SECRET)) expect(everything).not.toContain(form);
    expect(everything).not.toContain(CARD);
    expect(shown.body.toString()).toContain(MASK);
    expect(masked).toBeGreaterThanOrEqual(2);
  });

  it('given an upstream that compresses although asked not to, then the body is inflated and still scrubbed', async () => {
    const response = await client.forward(injectCredential(get(at('/gzip')), { kind: 'bearer' }, SECRET), policy());
    const { response: shown, masked } = scrub(response, secretForms({ kind: 'bearer' }, SECRET));

    expect(received[0].headers['accept-encoding']).toBe('identity');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(shown.body.toString()).not.toContain(SECRET);
    expect(masked).toBeGreaterThanOrEqual(2);
  });

  it('given the response, then latency and size are reported and hop-by-hop headers are gone', async () => {
    const response = await client.forward(get(at('/'), { expect: '100-continue', host: 'evil.test', 'content-length': '99' }), policy());

    expect(received[0].headers).toMatchObject({ host: `localhost:${upstreamPort}` });
    expect(received[0].headers.expect).toBeUndefined();

    expect(response.bytes).toBe(response.body.length);
    expect(response.latencyMs).toBeGreaterThan(0);
    expect(response.headers.connection).toBeUndefined();
    expect(response.headers['keep-alive']).toBeUndefined();
  });
});

describe('SSRF: an address that is not public is refused unless the service is internal', () => {
  const external = (hosts: string[]) => policy({ allowedHosts: hosts, internalHosts: [] });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['[::ffff:127.0.0.1]', 'ipv4-mapped:loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['[64:ff9b::7f00:1]', 'nat64:loopback'],
  ])('given the literal address %s listed as a host, then the call is refused as %s and nothing is sent', async (host, range) => {
    const error = await refusal(client.forward(get(`https://${host}:${upstreamPort}/`), external([host])));

    expect(error).toMatchObject({ code: 'PROXY_SSRF_BLOCKED', extensions: { range } });
    expect(received).toHaveLength(0);
  });

  it('given a listed name that resolves to loopback, then it is refused when the service is not internal', async () => {
    const error = await refusal(client.forward(get(at('/', 'api.test')), external(['api.test'])));

    expect(error).toMatchObject({ code: 'PROXY_SSRF_BLOCKED', extensions: { range: 'loopback' } });
    expect(received).toHaveLength(0);
  });

  it('given the same name on a service marked internal, then the call goes through to the address that was checked', async () => {
    const response = await client.forward(get(at('/hello', 'api.test')), policy({ allowedHosts: ['api.test'], internalHosts: ['api.test'] }));

    expect(response.status).toBe(200);
    expect(received.map((seen) => [seen.url, seen.headers.host])).toEqual([['/hello', `api.test:${upstreamPort}`]]);
  });

  it('given localhost resolved by the system, then it is refused when not internal', async () => {
    const system = new UpstreamClient();
    try {
      const error = await refusal(system.forward(get(at('/')), external(['localhost'])));
      expect(error).toMatchObject({ code: 'PROXY_SSRF_BLOCKED', extensions: { range: 'loopback' } });
      expect(received).toHaveLength(0);
    } finally {
      await system.close();
    }
  });

  it('given a name resolving to a loopback and a public address, then it is refused', async () => {
    const error = await refusal(client.forward(get(at('/', 'two-faced.test')), external(['two-faced.test'])));

    expect(error).toMatchObject({ code: 'PROXY_SSRF_BLOCKED' });
    expect(received).toHaveLength(0);
  });

  it('given an upstream that redirects to an internal address, then the 3xx is returned and never followed', async () => {
    const response = await client.forward(get(at('/redirect')), policy());

    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`http://127.0.0.1:${internalPort}/steal`);
    expect(received).toHaveLength(1);
    expect(internalHits).toBe(0);
  });
});

describe('the policy: scheme and hosts', () => {
  it('given http:// to a host that is not internal, then it is refused before anything is sent', async () => {
    const error = await refusal(client.forward(get(`http://api.test:${internalPort}/`), policy({ allowedHosts: ['api.test'], internalHosts: [] })));

    expect(error).toMatchObject({ code: 'PROXY_SCHEME_NOT_ALLOWED' });
    expect(internalHits).toBe(0);
  });

  it('given http:// to an internal host, then it is forwarded', async () => {
    const response = await client.forward(get(`http://127.0.0.1:${internalPort}/`), policy());

    expect(response.status).toBe(200);
    expect(internalHits).toBe(1);
  });

  it('given a host not in the allowed list, then it is refused, and a literal address must be listed itself', async () => {
    const byName = await refusal(client.forward(get(at('/', 'other.test')), policy({ allowedHosts: ['api.test'] })));
    const byAddress = await refusal(client.forward(get(at('/', '127.0.0.1')), policy({ allowedHosts: ['localhost'], internalHosts: ['localhost'] })));

    expect([byName.code, byAddress.code]).toEqual(['PROXY_HOST_NOT_ALLOWED', 'PROXY_HOST_NOT_ALLOWED']);
    expect(received).toHaveLength(0);
  });

  it('given allowed names in another case or with a trailing dot, then they match exactly the same host', async () => {
    const response = await client.forward(get(at('/', 'API.test.')), policy({ allowedHosts: ['api.TEST'], internalHosts: ['api.test'] }));

    expect(response.status).toBe(200);
  });

  it('given a URL that is not absolute or carries credentials, then it is refused as invalid', async () => {
    const relative = await refusal(client.forward(get('/v1/charges'), policy()));
    const withUser = await refusal(client.forward(get(`https://user:pw@localhost:${upstreamPort}/`), policy()));

    expect([relative.code, withUser.code]).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);
  });
});

describe('timeouts, size cap and TLS', () => {
  it('given a server that accepts the connection and never completes TLS, then it is a connect timeout', async () => {
    const error = await refusal(client.forward(get(`https://localhost:${silentPort}/`), policy({ connectTimeoutMs: 300 })));

    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', extensions: { phase: 'connect' } });
  });

  it('given a server that never sends its headers, then it is a headers timeout', async () => {
    const error = await refusal(client.forward(get(at('/never')), policy({ headersTimeoutMs: 300 })));

    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', extensions: { phase: 'headers' } });
  });

  it('given a server that stops in the middle of its body, then it is a body timeout', async () => {
    const error = await refusal(client.forward(get(at('/stall')), policy({ bodyTimeoutMs: 300 })));

    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', extensions: { phase: 'body' } });
  });

  it.each(['/big', '/big-chunked'])('given a response (%s) larger than the cap, then it is refused as too large', async (path) => {
    const error = await refusal(client.forward(get(at(path)), policy({ maxResponseBytes: 4096 })));

    expect(error).toMatchObject({ code: 'UPSTREAM_RESPONSE_TOO_LARGE' });
  });

  it('given a response at the cap, then it is answered whole', async () => {
    const response = await client.forward(get(at('/big')), policy({ maxResponseBytes: 65536 }));

    expect(response.bytes).toBe(65536);
  });

  it('given an upstream whose CA the proxy was not told to trust, then it is a TLS refusal', async () => {
    const error = await refusal(client.forward(get(at('/')), policy({ ca: undefined })));

    expect(error).toMatchObject({ code: 'UPSTREAM_TLS' });
    expect(received).toHaveLength(0);
  });

  it('given a port nothing listens on, then the upstream is unreachable', async () => {
    const server = net.createServer();
    const closed = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const error = await refusal(client.forward(get(`http://127.0.0.1:${closed}/`), policy()));

    expect(error).toMatchObject({ code: 'UPSTREAM_UNREACHABLE' });
  });
});
