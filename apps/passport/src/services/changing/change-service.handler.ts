import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { serviceCatalogDecider, serviceCatalogStream } from '@mandate/credentials';
import { Decisions, Principal } from '@mandate/platform';
import { checkedName, registered, serviceView } from '../service-view';
import { ChangeServiceDto } from './change-service.dto';

export class ChangeService {
  constructor(readonly name: string, readonly body: ChangeServiceDto, readonly principal: Principal) {}
}

/** Hosts, internal hosts or presentation; the next call uses them. The same shape again (or nothing named) changes nothing. */
@CommandHandler(ChangeService)
export class ChangeServiceHandler implements ICommandHandler<ChangeService> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ name, body, principal }: ChangeService) {
    const service = checkedName(name);
    const decision = this.decisions.byOperator(principal);
    const executed = await decision.execute(serviceCatalogDecider, serviceCatalogStream(decision.tenantId), {
      type: 'ChangeService', service, hosts: body.hosts, internalHosts: body.internal_hosts, presentation: body.presentation ? { ...body.presentation } : undefined,
    });
    return { ...serviceView(registered(executed.state, service)), position: executed.position };
  }
}
