import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { serviceCatalogDecider, serviceCatalogStream } from '@mandate/credentials';
import { Credentials, Decisions, Principal } from '@mandate/platform';
import { checkedName, registered, serviceView } from '../service-view';

export class AddSecretVersion {
  constructor(readonly name: string, readonly secret: string, readonly principal: Principal) {}
}

/**
 * Rotation: a new version, used by the next call; the older ones stay usable until removed, so an upstream that
 * accepts both during its own rotation never sees a refused call. The ciphertext is kept before its event.
 */
@CommandHandler(AddSecretVersion)
export class AddSecretVersionHandler implements ICommandHandler<AddSecretVersion> {
  constructor(
    private readonly decisions: Decisions,
    private readonly credentials: Credentials,
  ) {}

  async execute({ name, secret, principal }: AddSecretVersion) {
    const service = checkedName(name);
    const decision = this.decisions.byOperator(principal);
    const stream = serviceCatalogStream(decision.tenantId);
    const { state } = await this.decisions.repository.load(serviceCatalogDecider, stream, { fresh: true });
    const current = registered(state, service);
    const { version, fingerprint } = await this.credentials.keep({ tenantId: decision.tenantId, service, secretId: current.secretId, version: current.lastVersion + 1 }, secret);
    const executed = await decision.execute(serviceCatalogDecider, stream, {
      type: 'AddSecretVersion', service, secretId: current.secretId, version, fingerprint, at: decision.context.now,
    });
    return { ...serviceView(registered(executed.state, service)), position: executed.position };
  }
}
