import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AggregateRepository, operatorOf, Principal, Revocations } from '@mandate/platform';
import { passportOfTenant } from '../passport-view';

export class RevokePassport {
  constructor(readonly principal: Principal, readonly jti: string, readonly reason: string) {}
}

/** The kill switch for one passport. */
@CommandHandler(RevokePassport)
export class RevokePassportHandler implements ICommandHandler<RevokePassport> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly revocations: Revocations,
  ) {}

  async execute({ principal, jti, reason }: RevokePassport) {
    const operator = operatorOf(principal);
    const mission = await passportOfTenant(this.repository, operator.tenantId, jti);
    const { position, events } = await this.revocations.revoke({ tenantId: operator.tenantId, missionId: mission.missionId, reason, scope: 'passport', actor: operator.actor });
    return { jti, revoked: true, already_revoked: events.length === 0, position };
  }
}
