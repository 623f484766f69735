import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { LogActionsDto } from './log-tool-calls.dto';
import { LogToolCalls } from './log-tool-calls.handler';

@Controller('v1/passports')
export class LogToolCallsRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':jti/actions')
  @HttpCode(201)
  @Allow('passport')
  log(@Param('jti') jti: string, @Body() body: LogActionsDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new LogToolCalls(principal, jti, body));
  }
}
