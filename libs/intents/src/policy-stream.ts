import { Decider, DomainEvent } from '@mandate/core';
import { DEFAULT_POLICY, IntentPolicy } from './policy';

export type PolicyEvent = DomainEvent<'IntentPolicyChanged', { policy: IntentPolicy }>;
export type PolicyState = { policy: IntentPolicy; changed: boolean };
export type PolicyCommand = { type: 'ChangeIntentPolicy'; policy: IntentPolicy };

/** A tenant's intent policy: replaced as a whole, each change an event. */
export const policyDecider: Decider<PolicyCommand, PolicyEvent, PolicyState> = {
  initialState: { policy: DEFAULT_POLICY, changed: false },
  evolve: (_state, event) => ({ policy: event.data.policy, changed: true }),
  decide: (command) => [{ type: 'IntentPolicyChanged', data: { policy: command.policy } }],
};

export const policyStream = (tenantId: string) => `policy-${tenantId}`;
