import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal, RevocationsResponse } from '@mandate/platform';
import { RevokeAgentDto } from './revoke-agent.dto';
import { RevokeAgentPassports } from './revoke-agent.handler';

@Controller('v1/agents')
export class RevokeAgentRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':agentId/revoke')
  @HttpCode(200)
  @Allow('admin', 'operator')
  @ApiOkResponse({ type: RevocationsResponse })
  @ApiOperation({ summary: 'Kill switch: revoke every passport of an agent' })
  revoke(@Param('agentId') agentId: string, @Body() body: RevokeAgentDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RevokeAgentPassports(agentId, body.reason ?? 'revoked by an operator', principal));
  }
}
