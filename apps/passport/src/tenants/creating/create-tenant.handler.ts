import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@mandate/core';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { Decisions, OperatorKeys, Principal } from '@mandate/platform';

export class CreateTenant {
  constructor(readonly name: string, readonly principal: Principal) {}
}

/** A tenant and its first admin key, shown once. */
@CommandHandler(CreateTenant)
export class CreateTenantHandler implements ICommandHandler<CreateTenant> {
  constructor(
    private readonly decisions: Decisions,
    private readonly keys: OperatorKeys,
  ) {}

  async execute({ name, principal }: CreateTenant) {
    const tenantId = newId('ten', 9);
    const keyId = newId('key', 9);
    // The verifier first: the key cannot work before its event exists, and a failed append leaves only an unusable row.
    const key = await this.keys.issue(tenantId, keyId);
    const { position } = await this.decisions
      .by(principal, tenantId)
      .execute(tenantDecider, tenantStream(tenantId), { type: 'CreateTenant', tenantId, name, firstKey: { keyId, name: 'first admin key' } });
    return { tenant_id: tenantId, name, admin_key: { key_id: keyId, role: 'admin', key }, position };
  }
}
