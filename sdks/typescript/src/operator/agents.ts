import type {
  AgentDetailView,
  AgentKeyRevokedResponse,
  AgentKeysResponse,
  AgentView,
  AgentWrittenResponse,
  CeilingDto,
  EnrollmentCreatedResponse,
  RevocationsResponse,
  UpdateAgentDto,
} from '../generated/openapi.js';
import { eachItem } from '../pages.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

export type AccountabilityMode = NonNullable<UpdateAgentDto['accountability_mode']>;

/** The services an agent may open missions for by itself, for how long, how many at once. */
export interface Ceiling {
  allowedServices: string[];
  maxTtlSeconds?: number;
  maxConcurrentMissions?: number;
}

export interface RegisterAgent extends Signal {
  description?: string;
  accountabilityMode?: AccountabilityMode;
  /** Sets the ceiling the agent may open missions within by itself (with `maxTtlSeconds`, `maxConcurrentMissions`). */
  allowedServices?: string[];
  maxTtlSeconds?: number;
  maxConcurrentMissions?: number;
}

const ceilingOf = ({ allowedServices, maxTtlSeconds = 3600, maxConcurrentMissions = 5 }: Ceiling): CeilingDto => ({
  allowed_services: allowedServices,
  max_ttl_seconds: maxTtlSeconds,
  max_concurrent_missions: maxConcurrentMissions,
});

export class Agents {
  constructor(private readonly t: Transport) {}

  /** Registers an agent; `allowedServices` gives it a ceiling to open its own missions within. */
  register(name: string, { description, accountabilityMode, allowedServices, maxTtlSeconds, maxConcurrentMissions, signal }: RegisterAgent = {}): Promise<AgentWrittenResponse> {
    const ceiling = allowedServices === undefined ? undefined : ceilingOf({ allowedServices, maxTtlSeconds, maxConcurrentMissions });
    const body = { name, description, accountability_mode: accountabilityMode, ceiling };
    return this.t.send((init) => this.t.api.POST('/v1/agents', { body, ...init }), { signal });
  }

  get(agentId: string, { signal }: Signal = {}): Promise<AgentDetailView> {
    return this.t.send((init) => this.t.api.GET('/v1/agents/{agentId}', { params: { path: { agentId } }, ...init }), { signal });
  }

  /** Every agent of the tenant, page after page. */
  list({ pageSize, signal }: { pageSize?: number } & Signal = {}): AsyncGenerator<AgentView, void, undefined> {
    const page = (cursor: string | undefined) =>
      this.t.send((init) => this.t.api.GET('/v1/agents', { params: { query: { cursor, limit: pageSize } }, ...init }), { signal });
    return eachItem(page, (p) => p.agents);
  }

  setMode(agentId: string, mode: AccountabilityMode, { signal }: Signal = {}): Promise<AgentWrittenResponse> {
    return this.update(agentId, { accountability_mode: mode }, signal);
  }

  setCeiling(agentId: string, ceiling: Ceiling, { signal }: Signal = {}): Promise<AgentWrittenResponse> {
    return this.update(agentId, { ceiling: ceilingOf(ceiling) }, signal);
  }

  /** Suspends the agent: its passports are revoked and it opens no mission until reinstated. */
  suspend(agentId: string, { reason, signal }: { reason?: string } & Signal = {}): Promise<AgentWrittenResponse> {
    return this.update(agentId, { status: 'suspended', reason }, signal);
  }

  reinstate(agentId: string, { signal }: Signal = {}): Promise<AgentWrittenResponse> {
    return this.update(agentId, { status: 'active' }, signal);
  }

  /** Kill switch: revokes every passport of the agent. */
  revoke(agentId: string, { reason, signal }: { reason?: string } & Signal = {}): Promise<RevocationsResponse> {
    return this.t.send(
      (init) => this.t.api.POST('/v1/agents/{agentId}/revoke', { params: { path: { agentId } }, body: { reason }, ...init }),
      { signal, retryable: true },
    );
  }

  /** A one-time token the agent's runtime enrolls its key with (shown once). */
  enrollmentToken(agentId: string, { expiresInSeconds, signal }: { expiresInSeconds?: number } & Signal = {}): Promise<EnrollmentCreatedResponse> {
    const body = { expires_in_seconds: expiresInSeconds };
    return this.t.send((init) => this.t.api.POST('/v1/agents/{agentId}/enrollments', { params: { path: { agentId } }, body, ...init }), { signal });
  }

  keys(agentId: string, { signal }: Signal = {}): Promise<AgentKeysResponse> {
    return this.t.send((init) => this.t.api.GET('/v1/agents/{agentId}/keys', { params: { path: { agentId } }, ...init }), { signal });
  }

  /** Revokes one of the agent's keys, and every passport bound to it. */
  revokeKey(agentId: string, keyId: string, { reason, signal }: { reason?: string } & Signal = {}): Promise<AgentKeyRevokedResponse> {
    return this.t.send(
      (init) => this.t.api.POST('/v1/agents/{agentId}/keys/{keyId}/revoke', { params: { path: { agentId, keyId } }, body: { reason }, ...init }),
      { signal, retryable: true },
    );
  }

  private update(agentId: string, body: UpdateAgentDto, signal: AbortSignal | undefined): Promise<AgentWrittenResponse> {
    return this.t.send((init) => this.t.api.PATCH('/v1/agents/{agentId}', { params: { path: { agentId } }, body, ...init }), { signal });
  }
}
