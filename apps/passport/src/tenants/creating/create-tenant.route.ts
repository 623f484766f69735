import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { CreateTenantDto } from './create-tenant.dto';
import { CreateTenant } from './create-tenant.handler';
import { CreatedTenantResponse } from './create-tenant.response';

@Controller('v1/tenants')
export class CreateTenantRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Allow('instance_admin')
  @ApiCreatedResponse({ type: CreatedTenantResponse, description: 'the tenant and its first admin key' })
  @ApiOperation({ summary: 'Create a tenant and its first admin key (instance admin)' })
  create(@Body() body: CreateTenantDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CreateTenant(body.name, principal));
  }
}
