import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@mandate/core';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { Decisions, newOperatorKey, Principal } from '@mandate/platform';

export class CreateTenant {
  constructor(readonly name: string, readonly principal: Principal) {}
}

/** A tenant and its first admin key, shown once. */
@CommandHandler(CreateTenant)
export class CreateTenantHandler implements ICommandHandler<CreateTenant> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ name, principal }: CreateTenant) {
    const tenantId = newId('ten', 9);
    const keyId = newId('key', 9);
    const { key, keyHash } = newOperatorKey(tenantId, keyId);
    const { position } = await this.decisions
      .by(principal, tenantId)
      .execute(tenantDecider, tenantStream(tenantId), { type: 'CreateTenant', tenantId, name, firstKey: { keyId, name: 'first admin key', keyHash } });
    return { tenant_id: tenantId, name, admin_key: { key_id: keyId, role: 'admin', key }, position };
  }
}
