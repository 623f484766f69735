import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, newId } from '@mandate/core';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, CLOCK, commandContext, newOperatorKey, Principal } from '@mandate/platform';

export class CreateTenant {
  constructor(readonly name: string, readonly principal: Principal) {}
}

/** A tenant and its first admin key, shown once. */
@CommandHandler(CreateTenant)
export class CreateTenantHandler implements ICommandHandler<CreateTenant> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ name, principal }: CreateTenant) {
    const tenantId = newId('ten', 9);
    const keyId = newId('key', 9);
    const { key, keyHash } = newOperatorKey(tenantId, keyId);
    const { position } = await this.repository.execute(
      tenantDecider,
      tenantStream(tenantId),
      { type: 'CreateTenant', tenantId, name, firstKey: { keyId, name: 'first admin key', keyHash } },
      commandContext(principal, tenantId, this.clock),
    );
    return { tenant_id: tenantId, name, admin_key: { key_id: keyId, role: 'admin', key }, position };
  }
}
