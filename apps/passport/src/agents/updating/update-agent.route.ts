import { Body, Controller, Param, Patch } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { UpdateAgentDto } from './update-agent.dto';
import { UpdateAgent } from './update-agent.handler';
import { AgentWrittenResponse } from '../agent.response';

@Controller('v1/agents')
export class UpdateAgentRoute {
  constructor(private readonly commands: CommandBus) {}

  @Patch(':agentId')
  @Allow('admin', 'operator')
  @ApiOkResponse({ type: AgentWrittenResponse })
  @ApiOperation({ summary: 'Change accountability mode, suspend (revokes its passports) or reinstate' })
  update(@Param('agentId') agentId: string, @Body() body: UpdateAgentDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new UpdateAgent(agentId, body, principal));
  }
}
