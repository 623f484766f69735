import { Decider, DomainError, DomainEvent } from '@mandate/core';

export const ACCOUNTABILITY_MODES = ['standard', 'logged', 'enforced'] as const;
/** standard: audit only · logged: record warnings, never block · enforced: detectors revoke on critical findings. */
export type AccountabilityMode = (typeof ACCOUNTABILITY_MODES)[number];

export type AgentEvent =
  | DomainEvent<'AgentRegistered', { agentId: string; tenantId: string; name: string; description: string; accountabilityMode: AccountabilityMode; registeredAt: string }>
  | DomainEvent<'AccountabilityModeChanged', { agentId: string; from: AccountabilityMode; to: AccountabilityMode }>
  | DomainEvent<'AgentSuspended', { agentId: string; reason: string }>
  | DomainEvent<'AgentReinstated', { agentId: string }>;

export interface RegisteredAgent {
  agentId: string;
  tenantId: string;
  name: string;
  description: string;
  accountabilityMode: AccountabilityMode;
  suspended: boolean;
  registeredAt: string;
}

export type AgentState = { status: 'none' } | ({ status: 'registered' } & RegisteredAgent);

export type AgentCommand =
  | { type: 'RegisterAgent'; agentId: string; tenantId: string; name: string; description: string; accountabilityMode: AccountabilityMode; now: string }
  | { type: 'ChangeAccountabilityMode'; to: AccountabilityMode }
  | { type: 'SuspendAgent'; reason: string }
  | { type: 'ReinstateAgent' };

export const agentDecider: Decider<AgentCommand, AgentEvent, AgentState> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'AgentRegistered':
        return { status: 'registered', ...event.data, suspended: false };
      case 'AccountabilityModeChanged':
        return state.status === 'registered' ? { ...state, accountabilityMode: event.data.to } : state;
      case 'AgentSuspended':
        return state.status === 'registered' ? { ...state, suspended: true } : state;
      case 'AgentReinstated':
        return state.status === 'registered' ? { ...state, suspended: false } : state;
    }
  },

  decide(command, state) {
    if (command.type === 'RegisterAgent') {
      if (state.status !== 'none') throw new DomainError('AGENT_EXISTS', `agent ${command.agentId} already exists`);
      const { agentId, tenantId, name, description, accountabilityMode, now } = command;
      return [{ type: 'AgentRegistered', data: { agentId, tenantId, name, description, accountabilityMode, registeredAt: now } }];
    }
    if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'agent was not found');
    switch (command.type) {
      case 'ChangeAccountabilityMode':
        if (state.accountabilityMode === command.to) return [];
        return [{ type: 'AccountabilityModeChanged', data: { agentId: state.agentId, from: state.accountabilityMode, to: command.to } }];
      case 'SuspendAgent':
        return state.suspended ? [] : [{ type: 'AgentSuspended', data: { agentId: state.agentId, reason: command.reason } }];
      case 'ReinstateAgent':
        return state.suspended ? [{ type: 'AgentReinstated', data: { agentId: state.agentId } }] : [];
    }
  },
};

export const agentStream = (agentId: string) => `agent-${agentId}`;
