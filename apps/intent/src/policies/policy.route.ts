import { Body, Controller, Get, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { policyDecider, policyStream } from '@mandate/intents';
import { AggregateRepository, Allow, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { PolicyDto } from './policy.dto';
import { ChangeIntentPolicy } from './change-policy.handler';
import { PolicyChangedResponse, PolicyView } from '../intent.response';

@Controller('v1/policies/intents')
export class PolicyRoute {
  constructor(
    private readonly commands: CommandBus,
    private readonly repository: AggregateRepository,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: PolicyView })
  @ApiOperation({ summary: "The tenant's intent policy" })
  async get(@CurrentPrincipal() principal: Principal) {
    return (await this.repository.load(policyDecider, policyStream(operatorOf(principal).tenantId))).state.policy;
  }

  @Put()
  @Allow('admin')
  @ApiOkResponse({ type: PolicyChangedResponse })
  @ApiOperation({ summary: 'Replace the intent policy (admin); rules match named_intent, service, method and amount' })
  put(@Body() body: PolicyDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new ChangeIntentPolicy(principal, body));
  }
}
