import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantLimits, tenantDecider, tenantStream } from '@mandate/tenancy';
import { Decisions, MANDATE_CONFIG, MandateConfig, Principal, TenantStates } from '@mandate/platform';
import { limitsView } from './limits-view';

export class ChangeTenantLimits {
  constructor(readonly limits: TenantLimits, readonly principal: Principal) {}
}

/** The tenant's limits replace its previous ones whole: what is left out goes back to the instance default. */
@CommandHandler(ChangeTenantLimits)
export class ChangeTenantLimitsHandler implements ICommandHandler<ChangeTenantLimits> {
  constructor(
    private readonly decisions: Decisions,
    private readonly tenants: TenantStates,
    @Inject(MANDATE_CONFIG) private readonly config: MandateConfig,
  ) {}

  async execute({ limits, principal }: ChangeTenantLimits) {
    const decision = this.decisions.byOperator(principal);
    const { state, position } = await decision.execute(tenantDecider, tenantStream(decision.tenantId), { type: 'ChangeTenantLimits', limits, maxima: this.config.limits.maxima });
    this.tenants.forget(decision.tenantId);
    return { ...limitsView(state.status === 'active' ? state.limits : {}, this.config.limits), position };
  }
}
