import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { NAMED_INTENT } from '@mandate/intents';
import { AmountDto, CallRequestDto, CompiledValidation, FreeFormJson, IsServiceName } from '@mandate/platform';

/** One risky call, described before it is made (also what simulate takes). */
@CompiledValidation()
export class SubmitIntentDto {
  @IsString() @Matches(NAMED_INTENT, { message: 'named_intent reads like "stripe:refunds:create"' }) named_intent: string;
  @IsString() @IsServiceName({ message: 'target is a service name such as "stripe"' }) target: string;
  @IsString() @IsNotEmpty() @MaxLength(200) action: string;
  @IsObject() @ValidateNested() @Type(() => CallRequestDto) parameters: CallRequestDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AmountDto) amount?: AmountDto;
  @IsOptional() @IsObject() @FreeFormJson() estimated_cost?: Record<string, unknown>;
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
  /** Seconds the intent waits for a decision, and an approval stays usable (default 300). */
  @IsOptional() @IsInt() @Min(10) @Max(3600) expires_in?: number;
}
