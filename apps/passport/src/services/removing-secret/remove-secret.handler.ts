import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@mandate/core';
import { serviceCatalogDecider, serviceCatalogStream } from '@mandate/credentials';
import { Credentials, Decisions, Principal } from '@mandate/platform';
import { checkedName, registered, serviceView } from '../service-view';

export class RemoveSecretVersion {
  constructor(readonly name: string, readonly version: string, readonly principal: Principal) {}
}

/** Ends one version at once (the event), then deletes its ciphertext; the last version stays (LAST_SECRET_VERSION). */
@CommandHandler(RemoveSecretVersion)
export class RemoveSecretVersionHandler implements ICommandHandler<RemoveSecretVersion> {
  constructor(
    private readonly decisions: Decisions,
    private readonly credentials: Credentials,
  ) {}

  async execute({ name, version: text, principal }: RemoveSecretVersion) {
    const service = checkedName(name);
    if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new DomainError('SECRET_VERSION_NOT_FOUND', 'a secret version is a positive whole number');
    const version = Number(text);
    const decision = this.decisions.byOperator(principal);
    const executed = await decision.execute(serviceCatalogDecider, serviceCatalogStream(decision.tenantId), { type: 'RemoveSecretVersion', service, version });
    const kept = registered(executed.state, service);
    await this.credentials.forget(decision.tenantId, kept.secretId, version);
    return { ...serviceView(kept), position: executed.position };
  }
}
