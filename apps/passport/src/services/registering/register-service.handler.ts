import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError, newId } from '@mandate/core';
import { checkHosts, checkPresentation, serviceCatalogDecider, serviceCatalogStream, serviceOf } from '@mandate/credentials';
import { Credentials, Decisions, Principal } from '@mandate/platform';
import { registered, serviceView } from '../service-view';
import { RegisterServiceDto } from './register-service.dto';

export class RegisterService {
  constructor(readonly body: RegisterServiceDto, readonly principal: Principal) {}
}

/** A service, its hosts and presentation, and its first secret version: the ciphertext kept first, then the events. */
@CommandHandler(RegisterService)
export class RegisterServiceHandler implements ICommandHandler<RegisterService> {
  constructor(
    private readonly decisions: Decisions,
    private readonly credentials: Credentials,
  ) {}

  async execute({ body, principal }: RegisterService) {
    const decision = this.decisions.byOperator(principal);
    const stream = serviceCatalogStream(decision.tenantId);
    const internalHosts = body.internal_hosts ?? [];
    // Refusals the decider would make anyway, made before anything is sealed: no inert row for a request refused.
    checkHosts(body.hosts, internalHosts);
    const presentation = checkPresentation(body.presentation);
    const { state } = await this.decisions.repository.load(serviceCatalogDecider, stream);
    if (serviceOf(state, body.name)) throw new DomainError('SERVICE_EXISTS', `service ${body.name} is already registered: change it, or remove it first`);
    const secretId = newId('sec', 12);
    // A new secret id has no row yet: its first version is 1.
    const { fingerprint } = await this.credentials.keep({ tenantId: decision.tenantId, service: body.name, secretId, version: 1 }, body.secret);
    const at = decision.context.now;
    const executed = await decision.execute(serviceCatalogDecider, stream, {
      type: 'RegisterService', service: body.name, hosts: body.hosts, internalHosts, presentation, secretId, fingerprint, at,
    });
    return { ...serviceView(registered(executed.state, body.name)), position: executed.position };
  }
}
