import { specFor } from '@mandate/core';
import { AgentEvent, agentDecider } from './agent';

const spec = specFor(agentDecider);
const registered: AgentEvent = {
  type: 'AgentRegistered',
  data: { agentId: 'agt_1', tenantId: 'ten_1', name: 'triage', description: 'support bot', accountabilityMode: 'enforced', registeredAt: '2026-01-01T00:00:00.000Z' },
};

describe('agents', () => {
  it('given nothing, when an agent is registered, then it is registered in its mode', () =>
    spec([]).when({ type: 'RegisterAgent', agentId: 'agt_1', tenantId: 'ten_1', name: 'triage', description: 'support bot', accountabilityMode: 'enforced', now: '2026-01-01T00:00:00.000Z' }).then([registered]));

  it('given a registered agent, when it is registered again, then AGENT_EXISTS', () =>
    spec([registered]).when({ type: 'RegisterAgent', agentId: 'agt_1', tenantId: 'ten_1', name: 'x', description: '', accountabilityMode: 'logged', now: 'x' }).thenThrows('AGENT_EXISTS'));

  it('given an enforced agent, when it moves to logged, then the change records both modes', () =>
    spec([registered]).when({ type: 'ChangeAccountabilityMode', to: 'logged' }).then([
      { type: 'AccountabilityModeChanged', data: { agentId: 'agt_1', from: 'enforced', to: 'logged' } },
    ]));

  it('given an enforced agent, when it is set to enforced, then nothing new happens', () =>
    spec([registered]).when({ type: 'ChangeAccountabilityMode', to: 'enforced' }).then([]));

  it('given an active agent, when it is suspended, then it is suspended with the reason', () =>
    spec([registered]).when({ type: 'SuspendAgent', reason: 'incident 42' }).then([{ type: 'AgentSuspended', data: { agentId: 'agt_1', reason: 'incident 42' } }]));

  it('given a suspended agent, when it is suspended again, then nothing new happens; when reinstated, it is active', () => {
    const suspended: AgentEvent = { type: 'AgentSuspended', data: { agentId: 'agt_1', reason: 'x' } };
    spec([registered, suspended]).when({ type: 'SuspendAgent', reason: 'y' }).then([]);
    spec([registered, suspended]).when({ type: 'ReinstateAgent' }).then([{ type: 'AgentReinstated', data: { agentId: 'agt_1' } }]);
  });

  it('given an active agent, when it is reinstated, then nothing new happens', () => spec([registered]).when({ type: 'ReinstateAgent' }).then([]));

  it('given no agent, when its mode changes, then NOT_FOUND', () => spec([]).when({ type: 'ChangeAccountabilityMode', to: 'logged' }).thenThrows('NOT_FOUND'));
});
