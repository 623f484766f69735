import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@mandate/core';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, CLOCK, commandContext, operatorOf, Principal } from '@mandate/platform';

export class RevokeOperatorKey {
  constructor(readonly keyId: string, readonly reason: string, readonly principal: Principal) {}
}

/** A revoked key stops authenticating at once; the tenant's last admin key cannot be revoked. */
@CommandHandler(RevokeOperatorKey)
export class RevokeOperatorKeyHandler implements ICommandHandler<RevokeOperatorKey> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ keyId, reason, principal }: RevokeOperatorKey) {
    const operator = operatorOf(principal);
    const { position } = await this.repository.execute(
      tenantDecider,
      tenantStream(operator.tenantId),
      { type: 'RevokeOperatorKey', keyId, reason },
      commandContext(operator, operator.tenantId, this.clock),
    );
    return { key_id: keyId, revoked: true, position };
  }
}
