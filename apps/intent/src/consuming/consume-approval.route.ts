import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { ConsumeDto } from './consume-approval.dto';
import { ConsumeApproval } from './consume-approval.handler';
import { ConsumedResponse } from '../intent.response';

@Controller('v1/intents')
export class ConsumeApprovalRoute {
  constructor(private readonly commands: CommandBus) {}

  /** The gate, for the call about to be made. */
  @Post(':intentId/consume')
  @HttpCode(200)
  @Allow('passport')
  @ApiOkResponse({ type: ConsumedResponse })
  @ApiOperation({ summary: 'The gate: use the approval once, for exactly the approved call (403 gate_reason call_mismatch, 409 APPROVAL_CONSUMED)' })
  consume(@Param('intentId') intentId: string, @Body() body: ConsumeDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new ConsumeApproval(principal, intentId, body));
  }
}
