import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { invalid } from '@mandate/core';
import { serviceCatalogDecider, serviceCatalogStream } from '@mandate/credentials';
import { Decisions, Principal } from '@mandate/platform';
import { checkedName, registered, serviceView } from '../service-view';
import { ChangeServiceDto } from './change-service.dto';

export class ChangeService {
  constructor(readonly name: string, readonly body: ChangeServiceDto, readonly principal: Principal) {}
}

/** Hosts, internal hosts or presentation; the next call uses them. The same shape again changes nothing. */
@CommandHandler(ChangeService)
export class ChangeServiceHandler implements ICommandHandler<ChangeService> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ name, body, principal }: ChangeService) {
    const service = checkedName(name);
    if (body.hosts === undefined && body.internal_hosts === undefined && body.presentation === undefined) {
      throw invalid('send at least one of hosts, internal_hosts, presentation', { errors: [{ field: '(body)', problems: ['names nothing to change'] }] });
    }
    const decision = this.decisions.byOperator(principal);
    const executed = await decision.execute(serviceCatalogDecider, serviceCatalogStream(decision.tenantId), {
      type: 'ChangeService', service, hosts: body.hosts, internalHosts: body.internal_hosts, presentation: body.presentation ? { ...body.presentation } : undefined,
    });
    return { ...serviceView(registered(executed.state, service)), position: executed.position };
  }
}
