import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { SubmitIntentDto } from '../submitting/submit-intent.dto';
import { SimulateIntent } from './simulate-intent.handler';
import { SimulationResponse } from '../intent.response';

@Controller('v1/intents')
export class SimulateIntentRoute {
  constructor(private readonly queries: QueryBus) {}

  /** What policy would decide, and why, with no state change. */
  @Post('simulate')
  @HttpCode(200)
  @Allow('passport')
  @ApiOkResponse({ type: SimulationResponse })
  @ApiOperation({ summary: 'What policy would decide, with no state change' })
  simulate(@Body() body: SubmitIntentDto, @CurrentPrincipal() principal: Principal) {
    return this.queries.execute(new SimulateIntent(principal, body));
  }
}
