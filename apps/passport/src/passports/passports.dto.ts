import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MISSION_LIMITS } from '@mandate/missions';
import { CallRequestDto, SERVICE } from '../../../intent/src/intents/intents.dto';

const SERVICE_MESSAGE = 'services are lowercase names like "slack" or "stripe" (a-z, 0-9, . _ : -, at most 64)';

export class IntentDto {
  @IsOptional() @IsString() @MaxLength(MISSION_LIMITS.intentSummary) summary?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Matches(SERVICE, { each: true, message: SERVICE_MESSAGE })
  services?: string[];
}

export class IssuePassportDto {
  @IsString() @Matches(/^agt_[A-Za-z0-9_-]{1,64}$/, { message: 'agent_id must be an agent id (agt_…)' }) agent_id: string;
  @IsOptional() @IsInt() @Min(MISSION_LIMITS.ttlSeconds.min) @Max(MISSION_LIMITS.ttlSeconds.max) ttl_seconds?: number;
  @IsOptional() @IsInt() @Min(MISSION_LIMITS.checkpointIntervalSeconds.min) @Max(MISSION_LIMITS.checkpointIntervalSeconds.max)
  checkpoint_interval_seconds?: number;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => IntentDto) intent?: IntentDto;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) idempotency_key?: string;
}

export class CheckpointDto {
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Matches(SERVICE, { each: true, message: SERVICE_MESSAGE })
  services_used?: string[];
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000) actions_count?: number;
  @IsOptional() @IsString() @MaxLength(MISSION_LIMITS.checkpointSummary) summary?: string;
}

export class ToolCallDto {
  @IsString() @Matches(SERVICE, { message: SERVICE_MESSAGE }) service: string;
  @IsString() @IsNotEmpty() @MaxLength(200) action: string;
  @IsOptional() @IsString() @MaxLength(2000) target?: string;
  @IsOptional() @IsIn(['success', 'failure', 'unknown']) outcome?: 'success' | 'failure' | 'unknown';
  @IsOptional() @IsString() @MaxLength(100) approval_id?: string;
  /** The request the call made: required with `approval_id`, which is only honoured for exactly the approved call. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CallRequestDto) request?: CallRequestDto;
}

/** One call (the fields of a tool call) or a batch (`calls`), not both. */
export class LogActionsDto {
  @IsOptional() @Matches(SERVICE, { message: SERVICE_MESSAGE }) service?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) action?: string;
  @IsOptional() @IsString() @MaxLength(2000) target?: string;
  @IsOptional() @IsIn(['success', 'failure', 'unknown']) outcome?: 'success' | 'failure' | 'unknown';
  @IsOptional() @IsString() @MaxLength(100) approval_id?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CallRequestDto) request?: CallRequestDto;
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => ToolCallDto)
  calls?: ToolCallDto[];
}

export class CheckoutDto {
  @IsOptional() @IsString() @MaxLength(MISSION_LIMITS.checkpointSummary) summary?: string;
  @IsIn(['success', 'failure']) outcome: 'success' | 'failure';
}

export class RevokePassportDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class VerifyDto {
  @IsString() @IsNotEmpty() @MaxLength(8192) token: string;
}
