import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AggregateRepository, operatorOf, Principal, Revocations } from '@mandate/platform';
import { loadAgentOf } from '../agent-access';

export class RevokeAgentPassports {
  constructor(readonly agentId: string, readonly reason: string, readonly principal: Principal) {}
}

/** The kill switch for one agent: every passport it holds that could still be used. */
@CommandHandler(RevokeAgentPassports)
export class RevokeAgentPassportsHandler implements ICommandHandler<RevokeAgentPassports> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly revocations: Revocations,
  ) {}

  async execute({ agentId, reason, principal }: RevokeAgentPassports) {
    const operator = operatorOf(principal);
    await loadAgentOf(this.repository, operator.tenantId, agentId);
    return this.revocations.revokeAll({ tenantId: operator.tenantId, agentId, reason, scope: 'agent', actor: operator.actor });
  }
}
