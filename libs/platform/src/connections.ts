import * as http from 'http';
import * as net from 'net';
import { HttpLimits } from './config';
import { problem } from './problem-document';

/** What a client over the connection cap is told to wait: idle sockets are closed within the header timeout anyway. */
export const BUSY_RETRY_AFTER_SECONDS = 5;
/** A refused socket may still be sending its request; it is read and dropped for this long, so the 503 is not reset away. */
const REFUSED_LINGER_MS = 1000;

const BUSY_RESPONSE = (() => {
  const body = JSON.stringify(problem(503, 'SERVER_BUSY', `this server holds as many connections as it is set to; retry in ${BUSY_RETRY_AFTER_SECONDS} s`));
  return (
    'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json; charset=utf-8\r\n' +
    `retry-after: ${BUSY_RETRY_AFTER_SECONDS}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
})();

/** Node's http options for these limits: given when the server is created (Fastify's `http` option). */
export function serverOptions(limits: HttpLimits): http.ServerOptions {
  // Node checks the header and request deadlines on this interval (30 s by default): short enough to keep them honest.
  return { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 2))) };
}

export interface ConnectionGuard {
  /** Connections admitted and still open. */
  readonly open: number;
  /** Connections answered 503 because the cap was reached. */
  readonly refused: number;
}

/**
 * Sets the timeouts and caps the open connections of a node HTTP server. A connection over the cap is not reset (a
 * client cannot tell that from a crash) but answered `503 SERVER_BUSY` with Retry-After and closed, its file
 * descriptor released at once. Idle sockets are what the timeouts close, so real clients get their places back.
 * Call it once the server's own 'connection' listeners are attached (before listen).
 */
export function guardConnections(server: http.Server, limits: HttpLimits, onRefused: () => void = () => undefined): ConnectionGuard {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.socketIdleTimeoutMs);
  const admit = server.listeners('connection') as Array<(socket: net.Socket) => void>;
  server.removeAllListeners('connection');
  const state = { open: 0, refused: 0 };
  server.on('connection', (socket: net.Socket) => {
    if (state.open >= limits.maxConnections) {
      state.refused++;
      onRefused();
      return refuse(socket);
    }
    state.open++;
    socket.once('close', () => state.open--);
    for (const listener of admit) listener.call(server, socket);
  });
  return state;
}

function refuse(socket: net.Socket): void {
  socket.on('error', () => undefined);
  socket.resume();
  socket.end(BUSY_RESPONSE);
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}
