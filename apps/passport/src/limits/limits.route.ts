import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError } from '@mandate/core';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, Allow, CurrentPrincipal, MANDATE_CONFIG, MandateConfig, operatorOf, Principal } from '@mandate/platform';
import { LimitsDto } from './limits.dto';
import { ChangeTenantLimits } from './change-limits.handler';
import { limitsView } from './limits-view';
import { ChangedLimitsResponse, LimitsResponse } from './limits.response';

/** The tenant's rate and stream limits (README: "Timeouts and limits"). */
@Controller('v1/limits')
export class LimitsRoute {
  constructor(
    private readonly commands: CommandBus,
    private readonly repository: AggregateRepository,
    @Inject(MANDATE_CONFIG) private readonly config: MandateConfig,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: LimitsResponse })
  @ApiOperation({ summary: "The tenant's rate and stream limits: in force, its own, the defaults and the instance maxima" })
  async read(@CurrentPrincipal() principal: Principal) {
    const { state } = await this.repository.load(tenantDecider, tenantStream(operatorOf(principal).tenantId));
    if (state.status !== 'active') throw new DomainError('NOT_FOUND', 'tenant was not found');
    return limitsView(state.limits, this.config.limits);
  }

  @Put()
  @Allow('admin')
  @ApiOkResponse({ type: ChangedLimitsResponse })
  @ApiOperation({ summary: "Set the tenant's own rate and stream limits (admin), up to the instance maxima" })
  change(@Body() body: LimitsDto, @CurrentPrincipal() principal: Principal) {
    const limits = {
      operatorKeyRequestsPerMinute: body.operator_key_requests_per_minute,
      passportRequestsPerMinute: body.passport_requests_per_minute,
      streamsPerKey: body.streams_per_key,
      streamsPerTenant: body.streams_per_tenant,
    };
    return this.commands.execute(new ChangeTenantLimits(limits, principal));
  }
}
