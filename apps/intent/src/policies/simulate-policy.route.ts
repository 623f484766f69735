import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { SimulatePolicyDto } from './simulate-policy.dto';
import { SimulatePolicy } from './simulate-policy.handler';
import { PolicySimulationResponse } from '../intent.response';

@Controller('v1/policies/intents')
export class SimulatePolicyRoute {
  constructor(private readonly queries: QueryBus) {}

  // Every role that may read the policy may ask this: it stores nothing and tells nothing the policy does not.
  @Post('simulate')
  @HttpCode(200)
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: PolicySimulationResponse })
  @ApiOperation({ summary: 'What a policy (an unsaved one, or the saved one) would decide for an intent, with no state change' })
  simulate(@Body() body: SimulatePolicyDto, @CurrentPrincipal() principal: Principal) {
    return this.queries.execute(new SimulatePolicy(principal, body));
  }
}
