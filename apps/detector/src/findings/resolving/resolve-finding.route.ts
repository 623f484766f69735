import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { ResolveDto } from './resolve-finding.dto';
import { ResolveFinding } from './resolve-finding.handler';
import { ResolvedResponse } from '../../detector.response';

@Controller('v1/security-events')
export class ResolveFindingRoute {
  constructor(private readonly commands: CommandBus) {}

  /** Acknowledge a finding with a note; the acknowledgement is an event, like everything else. */
  @Post(':id/resolve')
  @HttpCode(200)
  @Allow('admin', 'operator')
  @ApiOkResponse({ type: ResolvedResponse })
  @ApiOperation({ summary: 'Acknowledge a finding with a note (an event)' })
  resolve(@Param('id') id: string, @Body() body: ResolveDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new ResolveFinding(principal, id, body.note));
  }
}
