import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal, RevocationsResponse } from '@mandate/platform';
import { RevokeAllDto } from './revoke-tenant.dto';
import { RevokeTenantPassports } from './revoke-tenant.handler';

@Controller('v1/revocations')
export class RevokeTenantRoute {
  constructor(private readonly commands: CommandBus) {}

  /** Admin only. */
  @Post('all')
  @HttpCode(200)
  @Allow('admin')
  @ApiOkResponse({ type: RevocationsResponse })
  @ApiOperation({ summary: 'Kill switch: revoke every passport of the tenant (admin)' })
  revokeAll(@Body() body: RevokeAllDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RevokeTenantPassports(principal, body.reason));
  }
}
