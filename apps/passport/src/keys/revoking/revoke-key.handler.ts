import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { Decisions, Principal } from '@mandate/platform';

export class RevokeOperatorKey {
  constructor(readonly keyId: string, readonly reason: string, readonly principal: Principal) {}
}

/** A revoked key stops authenticating at once; the tenant's last admin key cannot be revoked. */
@CommandHandler(RevokeOperatorKey)
export class RevokeOperatorKeyHandler implements ICommandHandler<RevokeOperatorKey> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ keyId, reason, principal }: RevokeOperatorKey) {
    const decision = this.decisions.byOperator(principal);
    const { position } = await decision.execute(tenantDecider, tenantStream(decision.tenantId), { type: 'RevokeOperatorKey', keyId, reason });
    return { key_id: keyId, revoked: true, position };
  }
}
