import type { FieldProblem, ProblemResponse } from './types';

/** An answer of the API that is not a success: its problem details, as the server wrote them. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    /** From Retry-After (429, 503): when asking again makes sense. */
    readonly retryAfterSeconds: number | null,
    /** With VALIDATION_FAILED: each refused field and why, for a form to show beside its fields. */
    readonly fieldProblems: readonly FieldProblem[] = [],
  ) {
    super(detail);
  }
}

/** The problem of a failed answer, whatever its body (a proxy in between may answer with anything). */
export async function problemOf(response: Response): Promise<ApiProblem> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  try {
    const body = (await response.json()) as Partial<ProblemResponse>;
    const fieldProblems = Array.isArray(body.errors) ? body.errors : [];
    return new ApiProblem(response.status, String(body.code ?? 'HTTP_ERROR'), String(body.detail ?? response.statusText), retryAfterSeconds, fieldProblems);
  } catch {
    return new ApiProblem(response.status, 'HTTP_ERROR', `HTTP ${response.status}`, retryAfterSeconds);
  }
}

/**
 * The API as the console calls it: same origin, the operator key in the Authorization header of each request (never
 * in a URL, never a cookie: `credentials: 'omit'`), nothing cached.
 */
export class MandateApi {
  constructor(private readonly key: string) {}

  get authorization(): string {
    return `Bearer ${this.key}`;
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, signal);
  }

  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>('POST', path, body, signal);
  }

  put<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>('PUT', path, body, signal);
  }

  patch<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>('PATCH', path, body, signal);
  }

  /** An event stream's response, for the caller to read (see sse.ts). */
  stream(path: string, lastEventId: string | null, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId !== null) headers['last-event-id'] = lastEventId;
    return this.fetch(path, { headers, signal });
  }

  /** A response to read as it arrives (the audit export), a refusal already turned into its problem. */
  async open(path: string, accept: string, signal: AbortSignal): Promise<Response> {
    const response = await this.fetch(path, { headers: { accept }, signal });
    if (!response.ok) throw await problemOf(response);
    return response;
  }

  private async request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    if (!response.ok) throw await problemOf(response);
    return (await response.json()) as T;
  }

  /** Every request of the console: with the key, nothing cached, no cookie, no redirect followed. */
  private fetch(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    return fetch(path, { ...init, headers: { ...init.headers, authorization: this.authorization }, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  }
}

/** An abort (sign-out, a page torn down) is not an error to show. */
export const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';

/** Waits `ms`, or less if `signal` aborts first (then rejects with the abort). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
