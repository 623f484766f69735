import { Type } from 'class-transformer';
import {
  Allow,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

/** Service names, as missions and intents name them: lowercase like "slack" or "stripe". */
export const SERVICE = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export class AmountDto {
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1e15) value: number;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency is an ISO 4217 code such as EUR' }) currency: string;
}

export class CallRequestDto {
  @IsString() @MaxLength(2048) url: string;
  @IsIn(HTTP_METHODS, { message: `method is one of ${HTTP_METHODS.join(', ')}` }) method: string;
  /** Any JSON: the approval binds its canonical digest. */
  @Allow() body?: unknown;
}

export class SubmitIntentDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9._:*-]{0,127}$/, { message: 'named_intent reads like "stripe:refunds:create"' }) named_intent: string;
  @IsString() @Matches(SERVICE, { message: 'target is a service name such as "stripe"' }) target: string;
  @IsString() @IsNotEmpty() @MaxLength(200) action: string;
  @IsObject() @ValidateNested() @Type(() => CallRequestDto) parameters: CallRequestDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AmountDto) amount?: AmountDto;
  @IsOptional() @IsObject() estimated_cost?: Record<string, unknown>;
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
  /** Seconds the intent waits for a decision, and an approval stays usable (default 300). */
  @IsOptional() @IsInt() @Min(10) @Max(3600) expires_in?: number;
}

export class ConsumeDto {
  @IsString() @Matches(SERVICE) service: string;
  @IsIn(HTTP_METHODS) method: string;
  @IsString() @MaxLength(2048) url: string;
  @Allow() body?: unknown;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AmountDto) amount?: AmountDto;
}

export class DecisionDto {
  @IsOptional() @IsString() @MaxLength(1000) note?: string;
}

export class ListIntentsQuery {
  @IsOptional() @IsIn(['pending', 'approved', 'rejected', 'expired']) status?: string;
  @IsOptional() @Matches(/^int_[A-Za-z0-9_-]{1,64}$/) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

export class WaitQuery {
  /** Long-poll: answer as soon as the intent is final, or after this many seconds. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(60) wait?: number;
}
