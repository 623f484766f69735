import type { IssuedPassportResponse, PassportRevokedResponse, PassportView, RevocationsResponse, VerifyResponse } from '../generated/openapi.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

export interface IssuePassport extends Signal {
  /** What the mission is for, in a sentence. */
  intent?: string;
  services?: string[];
  ttlSeconds?: number;
  checkpointIntervalSeconds?: number;
  /** The thumbprint of one of the agent's keys: every use of the passport then needs a DPoP proof by that key. */
  bindToKey?: string;
  /** A retry with the same key answers with the same passport instead of issuing another (and may be retried). */
  idempotencyKey?: string;
}

export class Passports {
  constructor(private readonly t: Transport) {}

  /** Opens a mission for an agent and issues its passport. */
  issue(agentId: string, { intent, services, ttlSeconds, checkpointIntervalSeconds, bindToKey, idempotencyKey, signal }: IssuePassport = {}): Promise<IssuedPassportResponse> {
    const mission = intent === undefined && services === undefined ? undefined : { summary: intent, services };
    const body = {
      agent_id: agentId,
      intent: mission,
      ttl_seconds: ttlSeconds,
      checkpoint_interval_seconds: checkpointIntervalSeconds,
      bind_to_key: bindToKey,
    };
    const header = { 'Idempotency-Key': idempotencyKey };
    return this.t.send((init) => this.t.api.POST('/v1/passports', { params: { header }, body, ...init }), { signal });
  }

  get(jti: string, { signal }: Signal = {}): Promise<PassportView> {
    return this.t.send((init) => this.t.api.GET('/v1/passports/{jti}', { params: { path: { jti } }, ...init }), { signal });
  }

  /** Whether a passport is usable now (what any downstream service may ask, with no key). */
  verify(token: string, { signal }: Signal = {}): Promise<VerifyResponse> {
    return this.t.send((init) => this.t.api.POST('/v1/passports/verify', { body: { token }, ...init }), { signal, retryable: true });
  }

  /** Kill switch: revokes one passport. */
  revoke(jti: string, { reason, signal }: { reason?: string } & Signal = {}): Promise<PassportRevokedResponse> {
    return this.t.send(
      (init) => this.t.api.POST('/v1/passports/{jti}/revoke', { params: { path: { jti } }, body: { reason }, ...init }),
      { signal, retryable: true },
    );
  }

  /** Kill switch: revokes every passport of the tenant (an admin key); the reason is required, and recorded. */
  revokeAll(reason: string, { signal }: Signal = {}): Promise<RevocationsResponse> {
    return this.t.send((init) => this.t.api.POST('/v1/revocations/all', { body: { reason }, ...init }), { signal, retryable: true });
  }
}
