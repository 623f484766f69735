import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { operatorOf, Principal, Revocations } from '@mandate/platform';

export class RevokeTenantPassports {
  constructor(readonly principal: Principal, readonly reason: string) {}
}

/** The tenant-wide kill switch: every passport that could still be used, each revocation saying why. */
@CommandHandler(RevokeTenantPassports)
export class RevokeTenantPassportsHandler implements ICommandHandler<RevokeTenantPassports> {
  constructor(private readonly revocations: Revocations) {}

  execute({ principal, reason }: RevokeTenantPassports) {
    const operator = operatorOf(principal);
    return this.revocations.revokeAll({ tenantId: operator.tenantId, reason, scope: 'tenant', actor: operator.actor });
  }
}
