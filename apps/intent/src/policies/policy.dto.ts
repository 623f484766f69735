import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { NAMED_INTENT, POLICY_DECISIONS, PolicyDecision } from '@mandate/intents';
import { IsHttpMethod, IsServiceName } from '@mandate/platform';

class MatchDto {
  @IsOptional() @IsString() @Matches(NAMED_INTENT) named_intent?: string;
  @IsOptional() @IsString() @IsServiceName() service?: string;
  @IsOptional() @IsHttpMethod() method?: string;
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

export class PolicyDto {
  @IsIn(POLICY_DECISIONS) default: PolicyDecision;
  @IsOptional() @IsInt() @Min(1) @Max(10) default_approvals?: number;
  @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => RuleDto) rules: RuleDto[];
}
