import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { DisableTenantDto } from './disable-tenant.dto';
import { DisableTenant, EnableTenant } from './disable-tenant.handler';
import { TenantStatusResponse } from './disable-tenant.response';

@Controller('v1/tenants')
export class DisableTenantRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':tenantId/disable')
  @HttpCode(200)
  @Allow('instance_admin')
  @ApiOkResponse({ type: TenantStatusResponse })
  @ApiOperation({ summary: 'Disable a tenant (instance admin): its keys and passports are refused and its event streams end' })
  disable(@Param('tenantId') tenantId: string, @Body() body: DisableTenantDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new DisableTenant(tenantId, body.reason ?? 'disabled by the instance admin', principal));
  }

  @Post(':tenantId/enable')
  @HttpCode(200)
  @Allow('instance_admin')
  @ApiOkResponse({ type: TenantStatusResponse })
  @ApiOperation({ summary: 'Enable a disabled tenant again (instance admin)' })
  enable(@Param('tenantId') tenantId: string, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new EnableTenant(tenantId, principal));
  }
}
