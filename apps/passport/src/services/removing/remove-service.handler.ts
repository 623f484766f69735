import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { serviceCatalogDecider, serviceCatalogStream } from '@mandate/credentials';
import { Credentials, Decisions, Principal } from '@mandate/platform';
import { checkedName } from '../service-view';

export class RemoveService {
  constructor(readonly name: string, readonly principal: Principal) {}
}

/** The service is gone for the next call (the event), then its ciphertexts are deleted. Its name may be registered again. */
@CommandHandler(RemoveService)
export class RemoveServiceHandler implements ICommandHandler<RemoveService> {
  constructor(
    private readonly decisions: Decisions,
    private readonly credentials: Credentials,
  ) {}

  async execute({ name, principal }: RemoveService) {
    const service = checkedName(name);
    const decision = this.decisions.byOperator(principal);
    const executed = await decision.execute(serviceCatalogDecider, serviceCatalogStream(decision.tenantId), { type: 'RemoveService', service });
    const removed = executed.events.find((e) => e.type === 'ServiceRemoved')?.data as { secretId: string } | undefined;
    if (removed) await this.credentials.forget(decision.tenantId, removed.secretId);
    return { name: service, removed: true, position: executed.position };
  }
}
