import { EventEmitter, once } from 'events';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { TestCertificates } from '../../int/support/test-ca';

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (request: SeenRequest, response: http.ServerResponse) => void;

/**
 * A real upstream on loopback for the credential proxy: HTTPS with the throwaway test CA (or plain HTTP), answering
 * by path. It keeps every request it received, so a test can see what arrived (the injected credential, the headers
 * the proxy dropped) and await one instead of sleeping.
 */
export class TestUpstream {
  readonly seen: SeenRequest[] = [];
  private readonly arrivals = new EventEmitter();
  private readonly held = new Set<http.ServerResponse>();

  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
  ) {}

  static async start(routes: Record<string, Handler>, certificates?: TestCertificates): Promise<TestUpstream> {
    let upstream!: TestUpstream;
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        const seen = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        upstream.seen.push(seen);
        upstream.arrivals.emit('request', seen);
        const route = routes[path];
        if (!route) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such route"}');
        route(seen, res);
      });
    };
    const server = certificates ? https.createServer({ cert: certificates.certPem, key: certificates.keyPem }, listener) : http.createServer(listener);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    upstream = new TestUpstream(server, `${certificates ? 'https' : 'http'}://localhost:${port}`);
    return upstream;
  }

  /** Resolves with the first request (already seen or still to come) that matches. */
  async arrival(matches: (request: SeenRequest) => boolean): Promise<SeenRequest> {
    const already = this.seen.find(matches);
    if (already) return already;
    return new Promise((resolve) => {
      const listener = (request: SeenRequest) => {
        if (!matches(request)) return;
        this.arrivals.off('request', listener);
        resolve(request);
      };
      this.arrivals.on('request', listener);
    });
  }

  /** A route that never answers until `releaseHeld`: a call in flight for as long as the test needs. */
  hold(): Handler {
    return (_request, response) => void this.held.add(response);
  }

  releaseHeld(): void {
    for (const response of this.held) response.destroy();
    this.held.clear();
  }

  async close(): Promise<void> {
    this.releaseHeld();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A JSON answer. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_request, response) =>
  void response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
