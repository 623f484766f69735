import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@mandate/core';
import { Role, tenantDecider, tenantStream } from '@mandate/tenancy';
import { Decisions, OperatorKeys, Principal } from '@mandate/platform';

export class CreateOperatorKey {
  constructor(readonly name: string, readonly role: Role, readonly principal: Principal) {}
}

/** An operator key with a role; the secret is shown once; the server keeps only its keyed verifier, never in an event. */
@CommandHandler(CreateOperatorKey)
export class CreateOperatorKeyHandler implements ICommandHandler<CreateOperatorKey> {
  constructor(
    private readonly decisions: Decisions,
    private readonly keys: OperatorKeys,
  ) {}

  async execute({ name, role, principal }: CreateOperatorKey) {
    const decision = this.decisions.byOperator(principal);
    const keyId = newId('key', 9);
    // The verifier first: the key cannot work before its event exists, and a failed append leaves only an unusable row.
    const key = await this.keys.issue(decision.tenantId, keyId);
    const { position } = await decision.execute(tenantDecider, tenantStream(decision.tenantId), { type: 'CreateOperatorKey', keyId, name, role });
    return { key_id: keyId, name, role, key, position };
  }
}
