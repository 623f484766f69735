import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { RevokeKeyDto } from './revoke-key.dto';
import { RevokeOperatorKey } from './revoke-key.handler';
import { RevokedKeyResponse } from '../key.response';

@Controller('v1/keys')
export class RevokeKeyRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':keyId/revoke')
  @HttpCode(200)
  @Allow('admin')
  @ApiOkResponse({ type: RevokedKeyResponse })
  @ApiOperation({ summary: 'Revoke an operator key' })
  revoke(@Param('keyId') keyId: string, @Body() body: RevokeKeyDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RevokeOperatorKey(keyId, body.reason ?? 'revoked by an admin', principal));
  }
}
