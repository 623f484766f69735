/**
 * A door on loopback in front of the real Mandate, for what a network does to requests: it forwards every request
 * as it came (the Host header too, so DPoP proofs for the door's URL still hold), except the ones a test scripts a
 * fault for — answered `429`/`503` with a Retry-After before Mandate sees them, or forwarded and answered by Mandate
 * with the answer then lost on the way back. It counts what arrived and what it forwarded, and lets a test await an
 * arrival instead of sleeping.
 */
import { EventEmitter, once } from 'events';
import * as http from 'http';
import { AddressInfo } from 'net';

export interface Arrival {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

type Match = (arrival: Arrival) => boolean;
type Fault = { kind: 'refuse'; status: number; retryAfter: string } | { kind: 'lose-answer' };

export class Door {
  readonly arrived: Arrival[] = [];
  readonly forwarded: Arrival[] = [];
  private readonly faults: Array<{ match: Match; fault: Fault; times: number }> = [];
  private readonly arrivals = new EventEmitter();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<Door> {
    const { hostname, port } = new URL(target);
    let door!: Door;
    const server = http.createServer((request, response) => door.handle(request, response, hostname, Number(port)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    door = new Door(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return door;
  }

  /** The next `times` matching requests are answered `status` with `Retry-After` as Mandate's limits would, unseen by Mandate. */
  refuse(match: Match, { status = 429, retryAfter = '1', times = 1 }: { status?: number; retryAfter?: string; times?: number } = {}): void {
    this.faults.push({ match, fault: { kind: 'refuse', status, retryAfter }, times });
  }

  /** The next `times` matching requests reach Mandate, which answers; the answer is then lost (the connection cut). */
  loseAnswer(match: Match, times = 1): void {
    this.faults.push({ match, fault: { kind: 'lose-answer' }, times });
  }

  /** Resolves with the first matching request that arrived or will. */
  arrival(match: Match): Promise<Arrival> {
    const seen = this.arrived.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listener = (arrival: Arrival) => {
        if (!match(arrival)) return;
        this.arrivals.off('arrival', listener);
        resolve(arrival);
      };
      this.arrivals.on('arrival', listener);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse, host: string, port: number): void {
    const arrival = { method: request.method ?? '', path: request.url ?? '/', headers: request.headers };
    this.arrived.push(arrival);
    this.arrivals.emit('arrival', arrival);
    const scripted = this.faults.find((f) => f.times > 0 && f.match(arrival));
    if (scripted) scripted.times -= 1;
    const fault = scripted?.fault;
    if (fault?.kind === 'refuse') {
      request.resume();
      const problem = { type: 'about:blank', title: 'refused at the door', status: fault.status, detail: 'come back later', code: fault.status === 429 ? 'RATE_LIMITED' : 'SERVER_BUSY' };
      response.writeHead(fault.status, { 'content-type': 'application/problem+json', 'retry-after': fault.retryAfter });
      response.end(JSON.stringify(problem));
      return;
    }
    this.forwarded.push(arrival);
    const upstream = http.request({ host, port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      if (fault?.kind === 'lose-answer') {
        // Mandate did the work and answered; the client never hears of it.
        answer.resume();
        answer.on('end', () => request.socket.destroy());
        return;
      }
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  }
}
