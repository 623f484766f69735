import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, newId } from '@mandate/core';
import { agentDecider, agentStream } from '@mandate/agents';
import { AggregateRepository, CLOCK, commandContext, operatorOf, Principal } from '@mandate/platform';
import { agentView } from '../agent-access';
import { RegisterAgentDto } from './register-agent.dto';

export class RegisterAgent {
  constructor(readonly body: RegisterAgentDto, readonly principal: Principal) {}
}

/** An agent and its accountability mode (enforced unless said otherwise). */
@CommandHandler(RegisterAgent)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgent> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ body, principal }: RegisterAgent) {
    const operator = operatorOf(principal);
    const agentId = newId('agt', 12);
    const context = commandContext(operator, operator.tenantId, this.clock);
    const { state, position } = await this.repository.execute(
      agentDecider,
      agentStream(agentId),
      {
        type: 'RegisterAgent',
        agentId,
        tenantId: operator.tenantId,
        name: body.name,
        description: body.description ?? '',
        accountabilityMode: body.accountability_mode ?? 'enforced',
        now: context.now,
      },
      context,
    );
    return { ...agentView(state), position };
  }
}
