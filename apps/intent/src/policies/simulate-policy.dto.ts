import { Type } from 'class-transformer';
import { IsObject, IsOptional, ValidateNested } from 'class-validator';
import { IntentCallDto } from '../submitting/submit-intent.dto';
import { PolicyDto } from './policy.dto';

/** What a policy would decide for one intent: the policy as an admin would save it (or the saved one), and the intent. */
export class SimulatePolicyDto {
  /** The policy as PUT /v1/policies/intents takes it, not saved; absent, the tenant's saved policy. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PolicyDto) policy?: PolicyDto;
  @IsObject() @ValidateNested() @Type(() => IntentCallDto) intent: IntentCallDto;
}
