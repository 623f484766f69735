import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { RegisterAgentDto } from './register-agent.dto';
import { RegisterAgent } from './register-agent.handler';
import { AgentWrittenResponse } from '../agent.response';

@Controller('v1/agents')
export class RegisterAgentRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Allow('admin', 'operator')
  @ApiCreatedResponse({ type: AgentWrittenResponse })
  @ApiOperation({ summary: 'Register an agent' })
  register(@Body() body: RegisterAgentDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RegisterAgent(body, principal));
  }
}
