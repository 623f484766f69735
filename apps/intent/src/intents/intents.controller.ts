import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { approvalIdOf } from '@mandate/intents';
import { ConsumeDto, DecisionDto, ListIntentsQuery, SubmitIntentDto, WaitQuery } from './intents.dto';
import { IntentsService } from './intents.service';

@Controller('v1/intents')
export class IntentsController {
  constructor(private readonly intents: IntentsService) {}

  /** An agent describes one risky call before making it; policy auto-approves, queues it for people, or denies it. */
  @Post()
  @Allow('passport')
  submit(@Body() body: SubmitIntentDto, @CurrentPrincipal() principal: Principal) {
    return this.intents.submit(principal, body);
  }

  /** What policy would decide, and why, with no state change. */
  @Post('simulate')
  @HttpCode(200)
  @Allow('passport')
  simulate(@Body() body: SubmitIntentDto, @CurrentPrincipal() principal: Principal) {
    return this.intents.simulate(principal, body);
  }

  /** The approval queue. */
  @Get()
  @Allow('admin', 'approver', 'operator', 'auditor')
  list(@Query() query: ListIntentsQuery, @CurrentPrincipal() principal: Principal) {
    return this.intents.list(principal, query.status ?? 'pending', query.cursor ?? '', query.limit ?? 100);
  }

  @Get(':intentId')
  @Allow('passport', 'admin', 'approver', 'operator', 'auditor')
  async get(
    @Param('intentId') intentId: string,
    @Query() query: WaitQuery,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: { header(name: string, value: string): void },
  ) {
    const view = await this.intents.get(principal, intentId, query.wait ?? 0);
    if (view.status === 'pending') reply.header('retry-after', String(view.retry_after_seconds));
    return view;
  }

  /** The approver is whoever holds the key; an agent's passport never reaches this route. */
  @Post(':intentId/approve')
  @HttpCode(200)
  @Allow('admin', 'approver')
  approve(@Param('intentId') intentId: string, @Body() body: DecisionDto, @CurrentPrincipal() principal: Principal) {
    return this.intents.decide(principal, intentId, 'approve', body.note ?? '');
  }

  @Post(':intentId/reject')
  @HttpCode(200)
  @Allow('admin', 'approver')
  reject(@Param('intentId') intentId: string, @Body() body: DecisionDto, @CurrentPrincipal() principal: Principal) {
    return this.intents.decide(principal, intentId, 'reject', body.note ?? '');
  }

  /** The gate, for the call about to be made. */
  @Post(':intentId/consume')
  @HttpCode(200)
  @Allow('passport')
  consume(@Param('intentId') intentId: string, @Body() body: ConsumeDto, @CurrentPrincipal() principal: Principal) {
    return this.intents.consume(principal, approvalIdOf(intentId), { service: body.service, method: body.method, url: body.url, body: body.body }, body.amount);
  }
}
