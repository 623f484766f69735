/**
 * `Mandate`: the operator's client, and the agent's runtime when given an `agentId`.
 *
 * An operator (`new Mandate({ apiKey })`, or `MANDATE_API_KEY`) registers agents, hands out enrollment tokens, decides
 * intents, pulls the kill switch and reads the audit. An agent (`new Mandate({ agentId })`) holds no operator key: on
 * its first run it makes an Ed25519 key pair, enrolls the public half with a one-time token, and from then on signs
 * its own requests; `mandate.mission(...)` opens a mission bound to that key.
 */
import { ConfigurationError, Conflict } from './errors.js';
import { AgentKey, DEFAULT_KEY_DIR } from './keys.js';
import { Mission } from './mission/mission.js';
import { planOf, type MissionOptions } from './mission/options.js';
import { Agents } from './operator/agents.js';
import { Audit } from './operator/audit.js';
import { Findings } from './operator/findings.js';
import { Intents } from './operator/intents.js';
import { Passports } from './operator/passports.js';
import { Policies } from './operator/policies.js';
import { Services } from './operator/services.js';
import type { Signal } from './operator/signal.js';
import { Tenants } from './operator/tenants.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { follow, type FindingEvent, type FindingFrame, type RevocationEvent, type RevocationFrame, type StreamOptions } from './streams.js';
import { defaultLogger, noAuth, OperatorKey, Transport, type Logger } from './transport.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface MandateOptions {
  /** Where Mandate answers; `MANDATE_URL`, else http://127.0.0.1:8080. */
  baseUrl?: string;
  /** An operator key (`MANDATE_API_KEY`): the operator's client. Never together with `agentId`. */
  apiKey?: string;
  /** The agent this process runs as: the agent's runtime, with its own key and no operator key. */
  agentId?: string;
  /** Where the agent's key file is kept (`MANDATE_KEY_DIR`, else ~/.mandate/keys). */
  keyDir?: string;
  /** The one-time token the agent's first run enrolls its key with (`MANDATE_ENROLLMENT_TOKEN`). */
  enrollmentToken?: string;
  /** Milliseconds an answer may take (a long poll's own wait is added). Default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** Another `fetch` (a proxy's, a test's); the global one otherwise. */
  fetch?: typeof fetch;
}

const env = (name: string): string | undefined => process.env[name] || undefined;

export class Mandate {
  readonly tenants: Tenants;
  readonly agents: Agents;
  readonly passports: Passports;
  readonly intents: Intents;
  readonly policies: Policies;
  readonly services: Services;
  readonly findings: Findings;
  readonly audit: Audit;
  readonly baseUrl: string;
  readonly agentId: string | undefined;
  readonly keyDir: string;
  readonly #enrollmentToken: string | undefined;
  readonly #t: Transport;
  #key: AgentKey | undefined;
  #enrolling: Promise<AgentKey> | undefined;

  constructor(options: MandateOptions = {}) {
    this.baseUrl = (options.baseUrl ?? env('MANDATE_URL') ?? DEFAULT_URL).replace(/\/+$/, '');
    this.agentId = options.agentId;
    const logger = options.logger ?? defaultLogger;
    let apiKey = options.apiKey;
    if (this.agentId !== undefined) {
      if (apiKey !== undefined) {
        throw new ConfigurationError(
          "an agent's runtime holds no operator key: pass agentId or apiKey, not both (enroll the agent's key with an enrollment token instead)",
        );
      }
      if (env('MANDATE_API_KEY')) logger.warn("mandate: MANDATE_API_KEY is set in an agent's process; the agent runtime does not use it");
    } else {
      apiKey ??= env('MANDATE_API_KEY');
    }
    this.keyDir = options.keyDir ?? env('MANDATE_KEY_DIR') ?? DEFAULT_KEY_DIR;
    this.#enrollmentToken = options.enrollmentToken ?? env('MANDATE_ENROLLMENT_TOKEN');
    this.#t = new Transport(this.baseUrl, apiKey ? new OperatorKey(apiKey) : noAuth, {
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      logger,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    });
    this.tenants = new Tenants(this.#t);
    this.agents = new Agents(this.#t);
    this.passports = new Passports(this.#t);
    this.intents = new Intents(this.#t);
    this.policies = new Policies(this.#t);
    this.services = new Services(this.#t);
    this.findings = new Findings(this.#t);
    this.audit = new Audit(this.#t);
  }

  /** The agent's key once enrolled (`enroll()`, or the first mission, does it). */
  get key(): AgentKey | undefined {
    return this.#key;
  }

  /**
   * The agent's key: read from its file, or made, saved (0600) and enrolled with the one-time token on the first run.
   * The first mission calls it; calling it at start-up surfaces a bad token before any work.
   */
  async enroll({ signal }: Signal = {}): Promise<AgentKey> {
    if (this.agentId === undefined) throw new ConfigurationError("enroll() is the agent's runtime: create new Mandate({ agentId }) for it");
    this.#enrolling ??= this.#enroll(this.agentId, signal).then(
      (key) => (this.#key = key),
      (error: unknown) => {
        this.#enrolling = undefined; // a later call may try again (a new token, the server back)
        throw error;
      },
    );
    return this.#enrolling;
  }

  /**
   * Opens a mission for this agent: `await using mission = await mandate.mission({...})`. Dispose checks it out as
   * `success` unless `mission.fail(error)` was called; `withMission` passes the callback's error itself.
   */
  async mission(options: MissionOptions): Promise<Mission> {
    const plan = planOf(options);
    const key = await this.enroll({ signal: options.signal });
    return Mission.open(this.#t, key, plan, options.signal);
  }

  /**
   * Runs `work` in a mission: checked out `success` when it returns, `failure` with its error as the summary when it
   * throws (the error then propagates, never swallowed by the checkout).
   */
  async withMission<T>(options: MissionOptions, work: (mission: Mission) => Promise<T> | T): Promise<T> {
    const mission = await this.mission(options);
    try {
      return await work(mission);
    } catch (error) {
      mission.fail(error);
      throw error;
    } finally {
      await mission.close();
    }
  }

  /** Revocations as they happen; resumes after a drop or a restart without repeating or losing one. */
  revocations({ lastEventId, reconnect, signal }: StreamOptions = {}): AsyncGenerator<RevocationEvent, never, undefined> {
    const t = this.#t;
    const open = (last: string | undefined) =>
      t.send(
        (init) =>
          t.api.GET('/v1/revocations/stream', {
            params: { header: { 'Last-Event-ID': last } },
            headers: { accept: 'text/event-stream' },
            parseAs: 'stream',
            ...init,
          }),
        { signal, stream: true, retry: false },
      );
    return follow<RevocationFrame>('/v1/revocations/stream', open, t.logger, { lastEventId, reconnect, signal });
  }

  /**
   * Findings raised to operators as they happen (`event: 'security_event'`) and their resolutions by anyone
   * (`'security_event_resolved'`: the finding with its resolution); resumes like `revocations()`.
   */
  findingsStream({ lastEventId, reconnect, signal }: StreamOptions = {}): AsyncGenerator<FindingEvent, never, undefined> {
    const t = this.#t;
    const open = (last: string | undefined) =>
      t.send(
        (init) =>
          t.api.GET('/v1/security-events/stream', {
            params: { header: { 'Last-Event-ID': last } },
            headers: { accept: 'text/event-stream' },
            parseAs: 'stream',
            ...init,
          }),
        { signal, stream: true, retry: false },
      );
    return follow<FindingFrame>('/v1/security-events/stream', open, t.logger, { lastEventId, reconnect, signal });
  }

  async #enroll(agentId: string, signal: AbortSignal | undefined): Promise<AgentKey> {
    const saved = AgentKey.load(agentId, this.keyDir);
    if (saved?.enrolled) return saved;
    const token = this.#enrollmentToken;
    if (!token) {
      throw new ConfigurationError(
        `agent ${agentId} has no enrolled key in ${this.keyDir} yet: give the runtime a one-time enrollment token ` +
          '(enrollmentToken, or MANDATE_ENROLLMENT_TOKEN), made by an operator with mandate.agents.enrollmentToken(agentId)',
      );
    }
    // Saved before it is enrolled, so that a run that stops in between enrolls the same key next time.
    const key = saved ?? AgentKey.generate(agentId);
    if (!saved) key.save(this.keyDir);
    const t = this.#t;
    try {
      const answer = await t.send((init) => t.api.POST('/v1/agents/enroll', { body: { token, jwk: key.publicJwk }, ...init }), {
        auth: noAuth,
        signal,
      });
      if (answer.agent_id !== agentId) throw new ConfigurationError(`the enrollment token is for agent ${answer.agent_id}, not ${agentId}`);
      key.issuer = answer.issuer;
      key.tenantId = answer.tenant_id;
    } catch (error) {
      // Enrolled by an earlier run that stopped before it saved the answer: the issuer is all the file lacks.
      if (!saved || !(error instanceof Conflict) || error.code !== 'AGENT_KEY_EXISTS') throw error;
      const discovery = await t.send((init) => t.api.GET('/.well-known/openid-configuration', init), { auth: noAuth, signal });
      key.issuer = discovery.issuer;
    }
    const file = key.save(this.keyDir);
    t.logger.info(`mandate: enrolled key ${key.keyId} for agent ${agentId} (kept in ${file})`);
    return key;
  }
}
