import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { agentDecider, agentStream } from '@mandate/agents';
import { Decisions, Principal, Revocations } from '@mandate/platform';
import { agentView, ceilingOf, loadAgentOf } from '../agent-access';
import { UpdateAgentDto } from './update-agent.dto';

export class UpdateAgent {
  constructor(readonly agentId: string, readonly body: UpdateAgentDto, readonly principal: Principal) {}
}

/** A new accountability mode, a suspension (which ends every passport of the agent) or a reinstatement. */
@CommandHandler(UpdateAgent)
export class UpdateAgentHandler implements ICommandHandler<UpdateAgent> {
  constructor(
    private readonly decisions: Decisions,
    private readonly revocations: Revocations,
  ) {}

  async execute({ agentId, body, principal }: UpdateAgent) {
    const decision = this.decisions.byOperator(principal);
    const { repository } = this.decisions;
    await loadAgentOf(repository, decision.tenantId, agentId);
    const stream = agentStream(agentId);
    let position = 0;
    if (body.accountability_mode) {
      ({ position } = await decision.execute(agentDecider, stream, { type: 'ChangeAccountabilityMode', to: body.accountability_mode }));
    }
    if (body.ceiling) {
      ({ position } = await decision.execute(agentDecider, stream, { type: 'SetCeiling', ceiling: ceilingOf(body.ceiling) }));
    }
    if (body.status === 'suspended') {
      const reason = body.reason ?? 'agent suspended';
      const suspended = await decision.execute(agentDecider, stream, { type: 'SuspendAgent', reason });
      // A suspended agent keeps no working passport; each revocation names the suspension as its cause.
      const revoked = await this.revocations.revokeAll({
        tenantId: decision.tenantId,
        agentId,
        reason,
        scope: 'agent',
        actor: decision.operator.actor,
        correlationId: decision.context.correlationId,
        causationId: suspended.events[0]?.id ?? null,
      });
      position = Math.max(suspended.position, revoked.position);
    } else if (body.status === 'active') {
      ({ position } = await decision.execute(agentDecider, stream, { type: 'ReinstateAgent' }));
    }
    const { state } = await repository.load(agentDecider, stream);
    return { ...agentView(state), position };
  }
}
