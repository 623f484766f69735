import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { SubmitIntentDto } from '../submitting/submit-intent.dto';
import { SimulateIntent } from './simulate-intent.handler';

@Controller('v1/intents')
export class SimulateIntentRoute {
  constructor(private readonly queries: QueryBus) {}

  /** What policy would decide, and why, with no state change. */
  @Post('simulate')
  @HttpCode(200)
  @Allow('passport')
  simulate(@Body() body: SubmitIntentDto, @CurrentPrincipal() principal: Principal) {
    return this.queries.execute(new SimulateIntent(principal, body));
  }
}
