import { Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { NAMED_INTENT } from '@mandate/intents';
import { AmountDto, CallRequestDto, IsServiceName } from '@mandate/platform';
import { PolicyDto } from './policy.dto';

/** The call as an agent would state it in an intent (the fields policy reads, with the same rules as submit). */
export class SimulatedIntentDto {
  @IsString() @Matches(NAMED_INTENT, { message: 'named_intent reads like "stripe:refunds:create"' }) named_intent: string;
  @IsString() @IsServiceName({ message: 'target is a service name such as "stripe"' }) target: string;
  @IsString() @IsNotEmpty() @MaxLength(200) action: string;
  @IsObject() @ValidateNested() @Type(() => CallRequestDto) parameters: CallRequestDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AmountDto) amount?: AmountDto;
}

/** What a policy would decide for one intent: the policy as an admin would save it (or the saved one), and the intent. */
export class SimulatePolicyDto {
  /** The policy as PUT /v1/policies/intents takes it, not saved; absent, the tenant's saved policy. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PolicyDto) policy?: PolicyDto;
  @IsObject() @ValidateNested() @Type(() => SimulatedIntentDto) intent: SimulatedIntentDto;
}
