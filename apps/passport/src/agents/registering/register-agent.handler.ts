import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@mandate/core';
import { agentDecider, agentStream } from '@mandate/agents';
import { Decisions, Principal } from '@mandate/platform';
import { agentView, ceilingOf } from '../agent-access';
import { RegisterAgentDto } from './register-agent.dto';

export class RegisterAgent {
  constructor(readonly body: RegisterAgentDto, readonly principal: Principal) {}
}

/** An agent and its accountability mode (enforced unless said otherwise). */
@CommandHandler(RegisterAgent)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgent> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ body, principal }: RegisterAgent) {
    const decision = this.decisions.byOperator(principal);
    const agentId = newId('agt', 12);
    const { state, position } = await decision.execute(agentDecider, agentStream(agentId), {
      type: 'RegisterAgent',
      agentId,
      tenantId: decision.tenantId,
      name: body.name,
      description: body.description ?? '',
      accountabilityMode: body.accountability_mode ?? 'enforced',
      now: decision.context.now,
    });
    if (!body.ceiling) return { ...agentView(state), position };
    const withCeiling = await decision.execute(agentDecider, agentStream(agentId), { type: 'SetCeiling', ceiling: ceilingOf(body.ceiling) });
    return { ...agentView(withCeiling.state), position: withCeiling.position };
  }
}
