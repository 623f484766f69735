import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@mandate/core';
import { Role, tenantDecider, tenantStream } from '@mandate/tenancy';
import { Decisions, newOperatorKey, Principal } from '@mandate/platform';

export class CreateOperatorKey {
  constructor(readonly name: string, readonly role: Role, readonly principal: Principal) {}
}

/** An operator key with a role; the secret is shown once and only its hash is kept. */
@CommandHandler(CreateOperatorKey)
export class CreateOperatorKeyHandler implements ICommandHandler<CreateOperatorKey> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ name, role, principal }: CreateOperatorKey) {
    const decision = this.decisions.byOperator(principal);
    const keyId = newId('key', 9);
    const { key, keyHash } = newOperatorKey(decision.tenantId, keyId);
    const { position } = await decision.execute(tenantDecider, tenantStream(decision.tenantId), { type: 'CreateOperatorKey', keyId, name, role, keyHash });
    return { key_id: keyId, name, role, key, position };
  }
}
