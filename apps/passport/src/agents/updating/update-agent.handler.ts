import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@mandate/core';
import { agentDecider, agentStream } from '@mandate/agents';
import { AggregateRepository, CLOCK, commandContext, operatorOf, Principal, Revocations } from '@mandate/platform';
import { agentView, loadAgentOf } from '../agent-access';
import { UpdateAgentDto } from './update-agent.dto';

export class UpdateAgent {
  constructor(readonly agentId: string, readonly body: UpdateAgentDto, readonly principal: Principal) {}
}

/** A new accountability mode, a suspension (which ends every passport of the agent) or a reinstatement. */
@CommandHandler(UpdateAgent)
export class UpdateAgentHandler implements ICommandHandler<UpdateAgent> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly revocations: Revocations,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ agentId, body, principal }: UpdateAgent) {
    const operator = operatorOf(principal);
    await loadAgentOf(this.repository, operator.tenantId, agentId);
    const context = commandContext(operator, operator.tenantId, this.clock);
    let position = 0;
    if (body.accountability_mode) {
      ({ position } = await this.repository.execute(agentDecider, agentStream(agentId), { type: 'ChangeAccountabilityMode', to: body.accountability_mode }, context));
    }
    if (body.status === 'suspended') {
      const reason = body.reason ?? 'agent suspended';
      const suspended = await this.repository.execute(agentDecider, agentStream(agentId), { type: 'SuspendAgent', reason }, context);
      // A suspended agent keeps no working passport; each revocation names the suspension as its cause.
      const revoked = await this.revocations.revokeAll({
        tenantId: operator.tenantId,
        agentId,
        reason,
        scope: 'agent',
        actor: operator.actor,
        correlationId: context.correlationId,
        causationId: suspended.events[0]?.id ?? null,
      });
      position = Math.max(suspended.position, revoked.position);
    } else if (body.status === 'active') {
      ({ position } = await this.repository.execute(agentDecider, agentStream(agentId), { type: 'ReinstateAgent' }, context));
    }
    const { state } = await this.repository.load(agentDecider, agentStream(agentId));
    return { ...agentView(state), position };
  }
}
