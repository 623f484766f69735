import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { DomainError } from '@mandate/core';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, Allow, CurrentPrincipal, Decisions, operatorOf, POSITION, Principal, TenantStates } from '@mandate/platform';

export class TenantSettingsDto {
  /** Every passport bound to an agent key (DPoP): operators must name one in bind_to_key, and bearer passports are refused. */
  @IsBoolean() require_bound_passports: boolean;
}

export class TenantSettingsResponse {
  @ApiProperty({ description: 'every passport must be bound to an agent key (DPoP); bearer passports, live ones included, are refused 401 BOUND_PASSPORT_REQUIRED' }) require_bound_passports: boolean;
}

export class ChangedTenantSettingsResponse extends TenantSettingsResponse {
  @ApiProperty(POSITION) position: number;
}

/** The tenant's security settings (README: "Agent identity"). */
@Controller('v1/settings')
export class TenantSettingsRoute {
  constructor(
    private readonly decisions: Decisions,
    private readonly repository: AggregateRepository,
    private readonly tenants: TenantStates,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: TenantSettingsResponse })
  @ApiOperation({ summary: "The tenant's security settings" })
  async read(@CurrentPrincipal() principal: Principal) {
    const { state } = await this.repository.load(tenantDecider, tenantStream(operatorOf(principal).tenantId));
    if (state.status !== 'active') throw new DomainError('NOT_FOUND', 'tenant was not found');
    return { require_bound_passports: state.boundPassportsRequired };
  }

  @Put()
  @Allow('admin')
  @ApiOkResponse({ type: ChangedTenantSettingsResponse })
  @ApiOperation({ summary: "Change the tenant's security settings (admin): require passports bound to agent keys" })
  async change(@Body() body: TenantSettingsDto, @CurrentPrincipal() principal: Principal) {
    const decision = this.decisions.byOperator(principal);
    const { state, position } = await decision.execute(tenantDecider, tenantStream(decision.tenantId), { type: 'RequireBoundPassports', required: body.require_bound_passports });
    this.tenants.forget(decision.tenantId);
    return { require_bound_passports: state.status === 'active' && state.boundPassportsRequired, position };
  }
}
