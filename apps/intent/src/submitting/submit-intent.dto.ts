import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { NAMED_INTENT } from '@mandate/intents';
import { AmountDto, CallRequestDto, CompiledValidation, FreeFormJson, IsServiceName } from '@mandate/platform';

/** The call an intent states: what policy reads (an operator's policy simulation takes just this). */
export class IntentCallDto {
  @IsString() @Matches(NAMED_INTENT, { message: 'named_intent reads like "stripe:refunds:create"' }) named_intent: string;
  @IsString() @IsServiceName({ message: 'target is a service name such as "stripe"' }) target: string;
  @IsString() @IsNotEmpty() @MaxLength(200) action: string;
  @IsObject() @ValidateNested() @Type(() => CallRequestDto) parameters: CallRequestDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AmountDto) amount?: AmountDto;
}

/** One risky call, described before it is made (also what the agent's simulate takes). */
@CompiledValidation()
export class SubmitIntentDto extends IntentCallDto {
  @IsOptional() @IsObject() @FreeFormJson() estimated_cost?: Record<string, unknown>;
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
  /** Seconds the intent waits for a decision, and an approval stays usable (default 300). */
  @IsOptional() @IsInt() @Min(10) @Max(3600) expires_in?: number;
}
