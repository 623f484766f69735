import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { WaitQuery } from './wait-for-intent.query';
import { WaitForIntent } from './wait-for-intent.handler';
import { IntentView } from '../intent.response';

@Controller('v1/intents')
export class WaitForIntentRoute {
  constructor(private readonly queries: QueryBus) {}

  @Get(':intentId')
  @Allow('passport', 'admin', 'approver', 'operator', 'auditor')
  @ApiOkResponse({ type: IntentView, description: 'the intent; while pending, with Retry-After' })
  @ApiOperation({ summary: 'One intent; wait=N long-polls up to N seconds (≤ 60) for a decision' })
  async get(
    @Param('intentId') intentId: string,
    @Query() query: WaitQuery,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: { header(name: string, value: string): void },
  ) {
    const view = await this.queries.execute(new WaitForIntent(principal, intentId, query.wait ?? 0));
    if (view.status === 'pending') reply.header('retry-after', String(view.retry_after_seconds));
    return view;
  }
}
