/**
 * A mission as a block: the passport's whole life, so the agent's code never handles a JTI.
 *
 * Opened with the agent's own key (the passport is bound to it: every use carries a DPoP proof). While it runs, a
 * timer (unref'd: it never keeps the process alive) sends the calls the agent logs in batches and checkpoints before
 * the leash runs out; in enforced mode the checkpoint's refreshed passport replaces the old one. On dispose the
 * remaining calls are sent and the mission is checked out: `success`, or `failure` with the error as the summary when
 * `fail(error)` was called (`mandate.withMission` does it for the error its callback throws). If the passport was
 * revoked meanwhile, the next call throws `PassportRevoked` and the checkout records what it still can.
 */
import '../disposable.js';
import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import type {
  CheckedOutResponse,
  CheckpointResponse,
  IssuedPassportResponse,
  ProxiedCallResponse,
  ProxyCallDto,
  ToolCallDto,
  ToolCallsLoggedResponse,
} from '../generated/openapi.js';
import { AssertionAuth, PassportAuth, type AgentKey } from '../keys.js';
import type { Signal } from '../operator/signal.js';
import type { Answer, AttemptInit, SendOptions, Transport } from '../transport.js';
import { currentApproval } from './approval.js';
import type { PassportChannel } from './channel.js';
import { MissionIntents, type HttpMethod } from './intents.js';
import { endsPassport, Ledger, BATCH_MAX } from './ledger.js';
import type { MissionPlan } from './options.js';

const SUMMARY_MAX = 1000;
/**
 * How long a proxied call may take by default: beyond the proxy's own connect and response-header timeouts (5 s and
 * 30 s by default), so that an upstream that hangs comes back as Mandate's `504 UPSTREAM_TIMEOUT`, on record, rather
 * than as a client-side timeout that leaves the caller not knowing whether the call was made.
 */
const PROXY_TIMEOUT_MS = 75_000;

/** A tool call the agent made by itself (not through the proxy), as it reports it. */
export type ToolCall = {
  service: string;
  action: string;
  target?: string;
  outcome?: ToolCallDto['outcome'];
  approvalId?: string;
  request?: ToolCallDto['request'];
};

export interface ProxyCall extends Signal {
  service: string;
  /** Absolute; its host must be one of the service's. */
  url: string;
  /** Default `GET`. */
  method?: HttpMethod;
  /** A string is sent as it is, any other JSON value as JSON. */
  body?: unknown;
  headers?: ProxyCallDto['headers'];
  /** Replace the URL's own query parameters of the same names. */
  query?: ProxyCallDto['query'];
  /** The approved intent's `approval_id`, when the policy wants a person to approve this call. */
  approvalId?: string;
  /** Makes the call at most once: a retry under the key is refused `409 PROXY_CALL_ALREADY_MADE`, never re-sent. */
  idempotencyKey?: string;
  /** Milliseconds for Mandate's answer; default 75 s (or the client's timeout, if longer). */
  timeoutMs?: number;
}

/** The upstream's answer as the credential proxy relayed it (secrets and masked values scrubbed). */
export type ProxyResponse = ProxiedCallResponse & { ok: boolean };

export class Mission implements AsyncDisposable {
  readonly intents: MissionIntents;
  readonly #t: Transport;
  readonly #plan: MissionPlan;
  readonly #auth: PassportAuth;
  readonly #ledger: Ledger;
  readonly #channel: PassportChannel;
  readonly #passport: IssuedPassportResponse;
  #timer: NodeJS.Timeout | undefined;
  #nextCheckpointAt: number;
  /** Sends one after the other (flushes, checkpoints, the checkout), so that batches keep their order. */
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;
  #failure: { error: unknown } | undefined;
  #closing: Promise<CheckedOutResponse | undefined> | undefined;
  #checkpoints = 0;

  private constructor(t: Transport, key: AgentKey, plan: MissionPlan, passport: IssuedPassportResponse) {
    this.#t = t;
    this.#plan = plan;
    this.#passport = passport;
    this.#auth = new PassportAuth(passport.token, key);
    this.#ledger = new Ledger(t.logger);
    this.#channel = { api: t.api, send: (call, how) => this.#send(call, how) };
    this.intents = new MissionIntents(this.#channel);
    this.#nextCheckpointAt = Date.now() + plan.checkpointEveryMs;
  }

  /** Opens the agent's mission with its own key (an assertion) and a passport bound to that key. @internal: `mandate.mission()`. */
  static async open(t: Transport, key: AgentKey, plan: MissionPlan, signal?: AbortSignal): Promise<Mission> {
    const body = {
      agent_id: key.agentId,
      intent: { summary: plan.intent, services: plan.services },
      ttl_seconds: plan.ttlSeconds,
      checkpoint_interval_seconds: plan.serverIntervalSeconds,
      bind_to_key: key.keyId,
    };
    // Keyed, so that a retry after a lost answer returns the same passport instead of opening a second mission.
    const header = { 'Idempotency-Key': randomUUID() };
    const passport = await t.send((init) => t.api.POST('/v1/passports', { params: { header }, body, ...init }), {
      auth: new AssertionAuth(key),
      signal,
    });
    const mission = new Mission(t, key, plan, passport);
    t.logger.info(`mandate: mission ${passport.mission_id} opened (passport ${passport.jti}, ${passport.accountability_mode} mode)`);
    mission.#schedule();
    return mission;
  }

  /** The passport as issued (its token is the first; `token` is the current one). */
  get passport(): IssuedPassportResponse {
    return this.#passport;
  }

  /** The current passport JWT (bound to the agent's key: useless without it). */
  get token(): string {
    return this.#auth.token;
  }

  get jti(): string {
    return this.#passport.jti;
  }

  get services(): readonly string[] {
    return this.#plan.services;
  }

  /** Logged calls that could not be recorded (the passport ended first); also said in the log. */
  get lostCalls(): number {
    return this.#ledger.lost;
  }

  /** Checkpoints made so far (the background's and `checkpoint()`'s). */
  get checkpoints(): number {
    return this.#checkpoints;
  }

  /** Whether the mission names this service (the server's rule: an exact name). */
  covers(service: string): boolean {
    return this.#plan.services.includes(service);
  }

  /** Records a tool call; sent in the background with others (no network wait here). */
  log({ service, action, target, outcome = 'success', approvalId, request }: ToolCall): void {
    // Nothing would send it any more: said now rather than lost without a word.
    if (this.#stopped) throw new ConfigurationError(`mission ${this.#passport.mission_id} is checked out: log its calls before it ends`);
    this.#ledger.record({ service, action, target, outcome, approval_id: approvalId, request });
    if (this.#ledger.pending.length >= BATCH_MAX) this.#wake();
  }

  /** Records one call now and waits until it is stored (e.g. a stopped out-of-scope call the detectors should judge at once). */
  report({ service, action, target, outcome = 'failure', signal }: Omit<ToolCall, 'approvalId' | 'request'> & Signal): Promise<ToolCallsLoggedResponse> {
    const jti = this.jti;
    return this.#send(
      (init) => this.#t.api.POST('/v1/passports/{jti}/actions', { params: { path: { jti } }, body: { service, action, target, outcome }, ...init }),
      { signal },
    );
  }

  /** Sends every call logged so far and waits until they are stored. */
  flush({ signal }: Signal = {}): Promise<void> {
    return this.#serially(() => this.#flushNow(signal));
  }

  /** Checkpoints now (the mission does it on time by itself); in enforced mode the passport is refreshed. */
  checkpoint({ summary, signal }: { summary?: string } & Signal = {}): Promise<CheckpointResponse> {
    return this.#serially(() => this.#checkpointNow(summary, signal));
  }

  /**
   * Makes a call through Mandate's credential proxy: the secret is added there, never here, and Mandate records the
   * call as one it observed. Throws the proxy's refusals (`OutOfScope`, `ProxyRefused`, `ApprovalRequired`,
   * `CallMismatch`, …); an upstream's own error status is answered, not thrown.
   */
  async proxy({ service, url, method = 'GET', body, headers, query, approvalId, idempotencyKey, timeoutMs, signal }: ProxyCall): Promise<ProxyResponse> {
    this.#ledger.throwIfEnded();
    const call: ProxyCallDto = { service, method, url, headers, query, approval_id: approvalId ?? currentApproval() };
    if (body !== undefined) call.body = body;
    const header = { 'Idempotency-Key': idempotencyKey };
    const answer = await this.#send((init) => this.#t.api.POST('/v1/proxy', { params: { header }, body: call, ...init }), {
      signal,
      timeoutMs: timeoutMs ?? Math.max(PROXY_TIMEOUT_MS, this.#t.options.timeoutMs),
    });
    this.#ledger.observed(service);
    return { ...answer, ok: answer.status >= 200 && answer.status < 300 };
  }

  /**
   * Marks the mission as failed: dispose then checks out `failure` with the error as the summary, and does not throw
   * a checkout refusal over it. `await using` cannot see an error thrown in its block: call this in a `catch`, or use
   * `mandate.withMission`, which does.
   */
  fail(error: unknown): void {
    this.#failure ??= { error };
  }

  /** Checks out now (dispose does it once, at the latest): the remaining calls are sent first. */
  close(): Promise<CheckedOutResponse | undefined> {
    return (this.#closing ??= this.#checkOut());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close().then(() => undefined);
  }

  async #checkOut(): Promise<CheckedOutResponse | undefined> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const failure = this.#failure;
    const outcome = failure ? 'failure' : 'success';
    const summary = failure ? summaryOf(failure.error) : undefined;
    return this.#serially(async () => {
      const ended = this.#ledger.failure;
      if (ended) {
        // Known to be over: another use would only put one more refused use on record against the agent.
        this.#ledger.unsent(this.#ledger.take(true), ended);
        this.#t.logger.warn(`mandate: mission ${this.#passport.mission_id} ended (${ended.code}) before its checkout`);
        if (!failure) throw ended; // the block succeeded: the caller must learn that the mission did not end well
        return undefined;
      }
      try {
        await this.#flushNow();
      } catch (error) {
        this.#ledger.unsent(this.#ledger.take(true), error);
      }
      const jti = this.jti;
      try {
        const answer = await this.#send((init) =>
          this.#t.api.POST('/v1/passports/{jti}/checkout', { params: { path: { jti } }, body: { outcome, summary }, ...init }),
        );
        this.#t.logger.info(`mandate: mission ${this.#passport.mission_id} checked out (${outcome})`);
        return answer;
      } catch (error) {
        // The block itself succeeded: the caller must learn that the mission did not end as it thinks.
        if (!failure) throw error;
        this.#t.logger.warn(`mandate: checkout after ${summary} failed: ${error}`);
        return undefined;
      }
    });
  }

  async #flushNow(signal?: AbortSignal): Promise<void> {
    const jti = this.jti;
    for (let batch = this.#ledger.take(); batch.length > 0; batch = this.#ledger.take()) {
      const body = batch.length === 1 ? batch[0]! : { calls: batch };
      try {
        await this.#send((init) => this.#t.api.POST('/v1/passports/{jti}/actions', { params: { path: { jti } }, body, ...init }), { signal });
      } catch (error) {
        this.#ledger.failed(batch, error);
        throw error;
      }
    }
  }

  async #checkpointNow(summary?: string, signal?: AbortSignal): Promise<CheckpointResponse> {
    await this.#flushNow(signal);
    const { services, count } = this.#ledger.checkpointBody();
    const jti = this.jti;
    const body = { services_used: services.length > 0 ? services : undefined, actions_count: count, summary };
    // A checkpoint only moves the leash forward: sending it twice does no harm.
    const answer = await this.#send(
      (init) => this.#t.api.POST('/v1/passports/{jti}/checkpoint', { params: { path: { jti } }, body, ...init }),
      { signal, retryable: true },
    );
    if (answer.token) this.#auth.token = answer.token;
    this.#checkpoints += 1;
    this.#nextCheckpointAt = Date.now() + this.#plan.checkpointEveryMs;
    try {
      this.#plan.onCheckpoint?.(answer);
    } catch (error) {
      this.#t.logger.warn(`mandate: onCheckpoint threw: ${error}`); // the caller's hook; the checkpoint itself was made
    }
    return answer;
  }

  /**
   * Every use of the passport: a fresh DPoP proof per attempt, and an ended passport remembered for the next call,
   * which then throws without a request.
   */
  async #send<D>(call: (init: AttemptInit) => Promise<Answer<D>>, how: Omit<SendOptions, 'auth'> = {}): Promise<D> {
    this.#ledger.throwIfEnded();
    try {
      return await this.#t.send(call, { ...how, auth: this.#auth });
    } catch (error) {
      if (endsPassport(error)) this.#ledger.failure ??= error;
      throw error;
    }
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #schedule(): void {
    if (this.#stopped || this.#ledger.failure) return;
    const delay = Math.min(this.#plan.flushEveryMs, Math.max(0, this.#nextCheckpointAt - Date.now()));
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.#timer.unref();
  }

  /** A full batch need not wait for the timer. */
  #wake(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#tick();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    await this.#serially(async () => {
      if (this.#stopped) return;
      if (Date.now() >= this.#nextCheckpointAt) await this.#checkpointNow();
      else await this.#flushNow();
    }).catch((error: unknown) => this.#ledger.refused(error, 'recording in the background'));
    this.#schedule();
  }
}

/** The failure summary of a checkout: the error's name and message, as the Python SDK gives the exception's. */
export function summaryOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, SUMMARY_MAX);
}
