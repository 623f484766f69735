import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { randomUUID } from 'crypto';
import { Clock } from '@mandate/core';
import { IntentPolicy, POLICY_DECISIONS, PolicyDecision, policyDecider, policyStream } from '@mandate/intents';
import { AggregateRepository, Allow, CLOCK, CurrentPrincipal, Principal, operatorOf } from '@mandate/platform';

class MatchDto {
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9._:*-]{0,127}$/) named_intent?: string;
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9._:-]{0,63}$/) service?: string;
  @IsOptional() @IsIn(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) method?: string;
  @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) amount_min?: number;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) amount_max?: number;
}

class RuleDto {
  @IsString() @MaxLength(100) name: string;
  @IsObject() @ValidateNested() @Type(() => MatchDto) match: MatchDto;
  @IsIn(POLICY_DECISIONS) decision: PolicyDecision;
  @IsOptional() @IsInt() @Min(1) @Max(10) approvals?: number;
}

class PolicyDto {
  @IsIn(POLICY_DECISIONS) default: PolicyDecision;
  @IsOptional() @IsInt() @Min(1) @Max(10) default_approvals?: number;
  @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => RuleDto) rules: RuleDto[];
}

/** Each tenant's intent policy: first matching rule wins, else the default. Replacing it is an event. */
@Controller('v1/policies/intents')
export class PoliciesController {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  async get(@CurrentPrincipal() principal: Principal) {
    return (await this.repository.load(policyDecider, policyStream(operatorOf(principal).tenantId))).state.policy;
  }

  @Put()
  @Allow('admin')
  async put(@Body() body: PolicyDto, @CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    const policy: IntentPolicy = {
      default: body.default,
      default_approvals: body.default_approvals ?? 1,
      rules: body.rules.map((r) => ({ name: r.name, match: { ...r.match }, decision: r.decision, ...(r.approvals ? { approvals: r.approvals } : {}) })),
    };
    const now = this.clock.now().toISOString();
    const { position } = await this.repository.execute(policyDecider, policyStream(tenantId), { type: 'ChangeIntentPolicy', policy }, {
      tenantId,
      actor: principal.actor,
      now,
      correlationId: randomUUID(),
    });
    return { ...policy, position };
  }
}
