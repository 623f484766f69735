import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { Decisions, Principal, TenantStates } from '@mandate/platform';

export class DisableTenant {
  constructor(readonly tenantId: string, readonly reason: string, readonly principal: Principal) {}
}

export class EnableTenant {
  constructor(readonly tenantId: string, readonly principal: Principal) {}
}

/**
 * A disabled tenant's keys and passports are refused (TENANT_DISABLED) and its event streams end; nothing of it is
 * deleted, and enabling it gives everything back. Other processes learn of it from the event stream.
 */
@CommandHandler(DisableTenant)
export class DisableTenantHandler implements ICommandHandler<DisableTenant> {
  constructor(private readonly decisions: Decisions, private readonly tenants: TenantStates) {}

  async execute({ tenantId, reason, principal }: DisableTenant) {
    const { position } = await this.decisions.by(principal, tenantId).execute(tenantDecider, tenantStream(tenantId), { type: 'DisableTenant', reason });
    this.tenants.forget(tenantId);
    return { tenant_id: tenantId, disabled: true, position };
  }
}

@CommandHandler(EnableTenant)
export class EnableTenantHandler implements ICommandHandler<EnableTenant> {
  constructor(private readonly decisions: Decisions, private readonly tenants: TenantStates) {}

  async execute({ tenantId, principal }: EnableTenant) {
    const { position } = await this.decisions.by(principal, tenantId).execute(tenantDecider, tenantStream(tenantId), { type: 'EnableTenant' });
    this.tenants.forget(tenantId);
    return { tenant_id: tenantId, disabled: false, position };
  }
}
