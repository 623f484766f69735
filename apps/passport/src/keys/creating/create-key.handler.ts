import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, newId } from '@mandate/core';
import { Role, tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, CLOCK, commandContext, newOperatorKey, operatorOf, Principal } from '@mandate/platform';

export class CreateOperatorKey {
  constructor(readonly name: string, readonly role: Role, readonly principal: Principal) {}
}

/** An operator key with a role; the secret is shown once and only its hash is kept. */
@CommandHandler(CreateOperatorKey)
export class CreateOperatorKeyHandler implements ICommandHandler<CreateOperatorKey> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ name, role, principal }: CreateOperatorKey) {
    const operator = operatorOf(principal);
    const keyId = newId('key', 9);
    const { key, keyHash } = newOperatorKey(operator.tenantId, keyId);
    const { position } = await this.repository.execute(
      tenantDecider,
      tenantStream(operator.tenantId),
      { type: 'CreateOperatorKey', keyId, name, role, keyHash },
      commandContext(operator, operator.tenantId, this.clock),
    );
    return { key_id: keyId, name, role, key, position };
  }
}
