/**
 * One request to Mandate: the typed call (openapi-fetch over the generated `paths`), then, under it, the attempts
 * (authentication per attempt, the retry rule of ./retry.ts, a timeout), then the answer's reading (problem details
 * turned into typed errors).
 *
 * openapi-fetch builds the request from the contract (path parameters, query, JSON body, typed answer); this file
 * hands it a `fetch` of its own per call, which is where the Python SDK's transport rules live. Each attempt signs
 * afresh: a DPoP proof or an assertion is single-use, so a retry with the first attempt's headers would be refused.
 */
import createClient, { type Client } from 'openapi-fetch';
import { ConnectionFailed, problemError, problemOf, type ProblemError } from './errors.js';
import type { paths } from './generated/openapi.js';
import { backoffMs, mayRetry, RETRYABLE_STATUSES, retryAfterMs, sleep, type RetryPolicy } from './retry.js';
import { VERSION } from './version.js';

/** Headers that prove who sends one attempt of a request (a fresh assertion or DPoP proof each time). */
export interface Authenticator {
  headers(method: string, url: string): Promise<Record<string, string>> | Record<string, string>;
}

export const noAuth: Authenticator = { headers: () => ({}) };

/** A tenant's operator key as a bearer token; never shown when logged or inspected. */
export class OperatorKey implements Authenticator {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#key}` };
  }

  toJSON(): string {
    return 'OperatorKey(***)';
  }
}

/** Where the SDK says what it did on its own (a retry, a dropped stream, a call it could not record). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** Warnings to the console, as Python's logging does for the SDK's warnings by default; the rest is quiet. */
export const defaultLogger: Logger = { info: () => undefined, warn: (message) => console.warn(message) };

export interface TransportOptions {
  timeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  fetch: typeof fetch;
}

/** How one call is sent, beyond what the contract says. */
export interface SendOptions {
  signal?: AbortSignal | undefined;
  /** Another credential than the client's (a passport, an assertion, none). */
  auth?: Authenticator;
  /** A POST that is safe to send twice (a revocation, a checkpoint, a verify). */
  retryable?: boolean;
  /** Milliseconds for the answer, beyond the client's default (a long poll). For a stream: until its headers. */
  timeoutMs?: number;
  /** The body is read by the caller as it arrives (SSE, NDJSON). */
  stream?: boolean;
  /** `false`: one attempt only (the streams reconnect by themselves). */
  retry?: boolean;
}

/** What the call's own part adds to openapi-fetch's options: the attempts, and the caller's signal. */
export type AttemptInit = {
  fetch: (request: Request) => Promise<Response>;
  signal?: AbortSignal | undefined;
};

/** What openapi-fetch answers: the parsed body of a success, or the error body, and the response. */
export interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

const USER_AGENT = `mandate-typescript/${VERSION}`;
/** The request was never sent (no connection was made): nothing can have happened on the server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const NO_BODY_STATUSES = new Set([204, 205, 304]);

class TimedOut extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

export class Transport {
  /** The typed client: every path, parameter, body and answer as the server's OpenAPI document says. */
  readonly api: Client<paths>;

  constructor(
    readonly baseUrl: string,
    readonly auth: Authenticator,
    readonly options: TransportOptions,
  ) {
    this.api = createClient<paths>({ baseUrl });
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /**
   * Runs one typed call (`init` spread into openapi-fetch's options) and returns its answer, or throws the problem it
   * carries as a typed error.
   */
  async send<D>(call: (init: AttemptInit) => Promise<Answer<D>>, how: SendOptions = {}): Promise<D> {
    const answer = await call({ fetch: this.attempts(how), signal: how.signal });
    if (!answer.response.ok) throw errorOf(answer.response.status, answer.error, answer.response.headers);
    return answer.data as D;
  }

  /** A `fetch` for one request: its attempts, each authenticated afresh, retried by the rule. */
  private attempts(how: SendOptions): (request: Request) => Promise<Response> {
    return async (request) => {
      const { method, url, signal } = request;
      const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
      const policy = this.options.retry;
      const retries = how.retry === false || !mayRetry(method, request.headers, how.retryable ?? false) ? 0 : policy.maxRetries;
      for (let attempt = 0; ; attempt++) {
        const headers = new Headers(request.headers);
        headers.set('user-agent', USER_AGENT);
        if (!headers.has('accept')) headers.set('accept', 'application/json');
        for (const [name, value] of Object.entries(await (how.auth ?? this.auth).headers(method, url))) headers.set(name, value);
        let response: Response;
        try {
          response = await this.attempt(url, { method, headers, body, redirect: 'manual' }, signal, how);
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (attempt >= retries) {
            throw new ConnectionFailed(`${method} ${url}: ${describe(error)}`, { cause: error, neverSent: neverSent(error) });
          }
          const delay = backoffMs(policy, attempt);
          this.logger.info(`mandate: ${method} ${url} failed (${describe(error)}), retry ${attempt + 1} in ${Math.round(delay)} ms`);
          await sleep(delay, signal);
          continue;
        }
        if (!RETRYABLE_STATUSES.has(response.status) || attempt >= retries) return response;
        const retryAfter = retryAfterMs(response.headers.get('retry-after'));
        if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) return response;
        const delay = retryAfter ?? backoffMs(policy, attempt);
        await response.body?.cancel();
        this.logger.info(`mandate: ${method} ${url} answered ${response.status}, retry ${attempt + 1} in ${Math.round(delay)} ms`);
        await sleep(delay, signal);
      }
    };
  }

  /**
   * One attempt, bounded in time: the whole answer for an ordinary call (read here, so a stalled body cannot hang
   * it), the headers only for a stream (whose body is read as it arrives, for as long as it lasts).
   */
  private async attempt(url: string, init: RequestInit, caller: AbortSignal, how: SendOptions): Promise<Response> {
    caller.throwIfAborted();
    const controller = new AbortController();
    const onAbort = () => controller.abort(caller.reason);
    caller.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = how.timeoutMs ?? this.options.timeoutMs;
    const timer = setTimeout(() => controller.abort(new TimedOut(timeoutMs)), timeoutMs);
    let streaming = false;
    try {
      const response = await this.options.fetch(url, { ...init, signal: controller.signal });
      if (how.stream && response.ok) {
        streaming = true; // the caller's signal keeps the power to cut the stream
        return response;
      }
      const body = await response.arrayBuffer();
      const { status, statusText, headers } = response;
      return new Response(NO_BODY_STATUSES.has(status) ? null : body, { status, statusText, headers });
    } finally {
      clearTimeout(timer);
      if (!streaming) caller.removeEventListener('abort', onAbort);
    }
  }
}

/** The typed error for a refused request. */
export function errorOf(status: number, body: unknown, headers: Headers): ProblemError {
  const retryAfter = retryAfterMs(headers.get('retry-after'));
  return problemError(status, problemOf(status, body), retryAfter === undefined ? undefined : retryAfter / 1000);
}

function neverSent(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' && NEVER_SENT.has(code);
}

/** The error and its cause's code, read by shape: fetch's errors may come from another realm (a VM context, Jest). */
function describe(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (typeof message !== 'string') return String(error);
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  return detail ? `${message} (${detail})` : message;
}
