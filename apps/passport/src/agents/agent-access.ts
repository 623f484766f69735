import { DomainError, ID_PATTERNS } from '@mandate/core';
import { AgentCeiling, agentDecider, AgentState, agentStream } from '@mandate/agents';
import { CeilingDto } from './ceiling.dto';
import { AggregateRepository } from '@mandate/platform';

/** Another tenant's agent answers exactly like a missing one. */
export async function loadAgentOf(repository: AggregateRepository, tenantId: string, agentId: string) {
  const notFound = new DomainError('NOT_FOUND', `agent ${agentId} was not found`);
  if (!ID_PATTERNS.agent.test(agentId)) throw notFound;
  const { state } = await repository.load(agentDecider, agentStream(agentId));
  if (state.status !== 'registered' || state.tenantId !== tenantId) throw notFound;
  return state;
}

export function agentView(state: AgentState) {
  if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'agent was not found');
  return {
    id: state.agentId,
    name: state.name,
    description: state.description,
    accountability_mode: state.accountabilityMode,
    status: state.suspended ? 'suspended' : 'active',
    registered_at: state.registeredAt,
    ceiling: state.ceiling && {
      allowed_services: state.ceiling.allowedServices,
      max_ttl_seconds: state.ceiling.maxTtlSeconds,
      max_concurrent_missions: state.ceiling.maxConcurrentMissions,
    },
    active_keys: state.keys.filter((k) => !k.revoked).map((k) => k.keyId),
  };
}

/** The ceiling as a request states it, as the agent's state keeps it. */
export const ceilingOf = (dto: CeilingDto): AgentCeiling => ({
  allowedServices: [...new Set(dto.allowed_services)],
  maxTtlSeconds: dto.max_ttl_seconds,
  maxConcurrentMissions: dto.max_concurrent_missions,
});
