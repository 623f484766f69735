import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { RevokePassportDto } from './revoke-passport.dto';
import { RevokePassport } from './revoke-passport.handler';
import { PassportRevokedResponse } from '../passport.response';

@Controller('v1/passports')
export class RevokePassportRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':jti/revoke')
  @HttpCode(200)
  @Allow('admin', 'operator')
  @ApiOkResponse({ type: PassportRevokedResponse })
  @ApiOperation({ summary: 'Kill switch: revoke one passport' })
  revoke(@Param('jti') jti: string, @Body() body: RevokePassportDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RevokePassport(principal, jti, body.reason ?? 'revoked by an operator'));
  }
}
