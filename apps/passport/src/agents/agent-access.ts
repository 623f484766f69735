import { DomainError, ID_PATTERNS } from '@mandate/core';
import { agentDecider, AgentState, agentStream } from '@mandate/agents';
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
  };
}
