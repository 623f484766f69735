/**
 * Idle sockets and bodies sent a byte at a time cannot starve the server: it keeps answering while it holds them, a
 * connection beyond the cap is told 503 with Retry-After (not reset), and the timeouts close what never completes. In
 * distributed mode the sockets are held by the front door, which has the same timeouts and cap. Deadlines are
 * shortened here; everything awaited is a socket event, not a sleep.
 */
import * as net from 'net';
import { execSync } from 'child_process';
import { call } from './support/client';
import { MandateProcess, MandateServer } from './support/server';

const HEADERS_TIMEOUT_MS = 8_000;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 3_000;
const IDLE = 2_500;
const SLOW_BODIES = 10;
const BEYOND = 600;

/** A raw socket and what it received, resolved when it closes. */
interface Held {
  socket: net.Socket;
  received: string;
  openedAt: number;
  closedAt: number | null;
  closed: Promise<void>;
}

function hold(port: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let done!: () => void;
    const held: Held = { socket, received: '', openedAt: 0, closedAt: null, closed: new Promise((r) => (done = r)) };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (held.received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      held.closedAt = Date.now();
      done();
    });
    socket.once('connect', () => {
      held.openedAt = Date.now();
      resolve(held);
    });
    socket.once('error', reject);
  });
}

/** Connects `count` sockets, a batch at a time so the listen backlog never overflows. */
async function holdMany(port: number, count: number): Promise<Held[]> {
  const all: Held[] = [];
  for (let i = 0; i < count; i += 200) all.push(...(await Promise.all(Array.from({ length: Math.min(200, count - i) }, () => hold(port)))));
  return all;
}

const portOf = (server: MandateServer) => Number(new URL(server.url).port);

describe('timeouts and the connection cap keep the server answering under idle sockets and slow bodies', () => {
  let server: MandateServer;
  const opened: Held[] = [];

  beforeAll(async () => {
    // This process holds every socket itself: it must stay clear of its own open-file limit.
    const limit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
    expect(limit).toBeGreaterThan(IDLE + SLOW_BODIES + BEYOND + 500);
    server = await MandateProcess.start({
      MANDATE_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      MANDATE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      MANDATE_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      // Those let in beyond the idle ones stay, kept alive, until the cap has been shown full.
      MANDATE_KEEP_ALIVE_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    opened.forEach((h) => h.socket.destroy());
    await server?.stop();
  });

  it(`given ${IDLE} idle sockets and ${SLOW_BODIES} bodies sent a byte at a time, then /healthz answers, the cap answers 503 with Retry-After, and the timeouts close them all`, async () => {
    const port = portOf(server);
    const idle = await holdMany(port, IDLE);
    opened.push(...idle);
    const slow = await holdMany(port, SLOW_BODIES);
    opened.push(...slow);
    const trickles = slow.map((h) => {
      h.socket.write('POST /v1/passports/verify HTTP/1.1\r\nHost: mandate\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n');
      return setInterval(() => h.socket.writable && h.socket.write(' '), 250);
    });

    // Held, and still answering.
    const health = await call(server, 'GET', '/healthz');
    expect(health.status).toBe(200);

    // Up to the cap and beyond: every connection that asks is answered, let in (200) or told to come back (503),
    // never reset without a word.
    const beyond = await holdMany(port, BEYOND);
    opened.push(...beyond);
    await Promise.all(
      beyond.map((h) => {
        h.socket.write('GET /healthz HTTP/1.1\r\nHost: mandate\r\n\r\n');
        return new Promise<void>((answered) => (h.received ? answered() : h.socket.once('data', () => answered())));
      }),
    );
    const refused = beyond.filter((h) => !h.received.startsWith('HTTP/1.1 200 '));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(BEYOND);
    await Promise.all(refused.map((h) => h.closed));
    for (const h of refused) {
      expect(h.received).toMatch(/^HTTP\/1\.1 503 /);
      expect(h.received).toMatch(/\r\nretry-after: \d+\r\n/i);
      expect(h.received).toContain('"code":"SERVER_BUSY"');
    }
    // A newcomer while the cap is full (a fresh connection: fetch would reuse the one it kept alive above).
    const newcomer = await hold(port);
    opened.push(newcomer);
    newcomer.socket.write('GET /healthz HTTP/1.1\r\nHost: mandate\r\n\r\n');
    await newcomer.closed;
    expect(newcomer.received).toMatch(/^HTTP\/1\.1 503 [^]*\r\nretry-after: 5\r\n[^]*"code":"SERVER_BUSY"/i);

    // The header timeout closes every socket that never sent a request, and the request timeout cuts the slow bodies.
    const neverSpoke = idle;
    await Promise.all([...beyond, ...neverSpoke, ...slow].map((h) => h.closed));
    trickles.forEach(clearInterval);
    for (const h of neverSpoke) expect(h.closedAt! - h.openedAt).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    for (const h of slow) {
      expect(h.received).toMatch(/^HTTP\/1\.1 408 /);
      // 1,000 bytes at four a second would have taken over four minutes.
      expect(h.closedAt! - h.openedAt).toBeLessThan(REQUEST_TIMEOUT_MS + 10_000);
    }

    // Their places are free again.
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  });
});
