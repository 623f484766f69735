import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { APPROVER_ROLES } from '@mandate/intents';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { DecisionDto } from './decide-intent.dto';
import { DecideIntent } from './decide-intent.handler';
import { IntentView } from '../intent.response';

/** The approver is whoever holds the key; an agent's passport never reaches these routes. */
@Controller('v1/intents/:intentId')
export class DecideIntentRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post('approve')
  @HttpCode(200)
  @Allow(...APPROVER_ROLES)
  @ApiOkResponse({ type: IntentView })
  @ApiOperation({ summary: 'Approve (approver or admin key; quorum counts distinct approvers)' })
  approve(@Param('intentId') intentId: string, @Body() body: DecisionDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new DecideIntent(principal, intentId, 'approve', body.note ?? ''));
  }

  @Post('reject')
  @HttpCode(200)
  @Allow(...APPROVER_ROLES)
  @ApiOkResponse({ type: IntentView })
  @ApiOperation({ summary: 'Reject; in enforced mode the submitting passport is revoked' })
  reject(@Param('intentId') intentId: string, @Body() body: DecisionDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new DecideIntent(principal, intentId, 'reject', body.note ?? ''));
  }
}
