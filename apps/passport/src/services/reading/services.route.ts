import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { serviceCatalogDecider, serviceCatalogStream } from '@mandate/credentials';
import { AggregateRepository, Allow, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { ServiceListResponse, ServiceView } from '../service.response';
import { checkedName, registered, serviceView } from '../service-view';

@Controller('v1/services')
export class ServicesRoute {
  constructor(private readonly repository: AggregateRepository) {}

  @Get()
  @Allow('admin')
  @ApiOkResponse({ type: ServiceListResponse })
  @ApiOperation({ summary: "List the tenant's services (never their secrets)" })
  async list(@CurrentPrincipal() principal: Principal) {
    const { state } = await this.repository.load(serviceCatalogDecider, serviceCatalogStream(operatorOf(principal).tenantId));
    const services = Object.values(state.services).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { services: services.map(serviceView) };
  }

  @Get(':name')
  @Allow('admin')
  @ApiOkResponse({ type: ServiceView })
  @ApiOperation({ summary: 'Get a service: hosts, presentation and secret versions (id, version, fingerprint; never the secret)' })
  async read(@Param('name') name: string, @CurrentPrincipal() principal: Principal) {
    const { state } = await this.repository.load(serviceCatalogDecider, serviceCatalogStream(operatorOf(principal).tenantId));
    return serviceView(registered(state, checkedName(name)));
  }
}
