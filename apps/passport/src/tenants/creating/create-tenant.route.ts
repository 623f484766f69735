import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { CreateTenantDto } from './create-tenant.dto';
import { CreateTenant } from './create-tenant.handler';

@Controller('v1/tenants')
export class CreateTenantRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Allow('instance_admin')
  create(@Body() body: CreateTenantDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CreateTenant(body.name, principal));
  }
}
