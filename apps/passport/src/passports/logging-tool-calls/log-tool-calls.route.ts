import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { LogActionsDto } from './log-tool-calls.dto';
import { LogToolCalls } from './log-tool-calls.handler';
import { ToolCallsLoggedResponse } from '../passport.response';

@Controller('v1/passports')
export class LogToolCallsRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':jti/actions')
  @HttpCode(201)
  @Allow('passport')
  @ApiBody({ type: LogActionsDto, required: true, description: 'one tool call (service, action, …) or a batch in `calls` (1 to 1000), not both' })
  @ApiCreatedResponse({ type: ToolCallsLoggedResponse })
  @ApiOperation({ summary: 'Log one tool call, or a batch in `calls` (at most 1000)' })
  log(@Param('jti') jti: string, @Body() body: LogActionsDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new LogToolCalls(principal, jti, body));
  }
}
