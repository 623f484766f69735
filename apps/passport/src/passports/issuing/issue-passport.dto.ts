import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ID_PATTERNS } from '@mandate/core';
import { MISSION_LIMITS } from '@mandate/missions';
import { IsServiceName } from '@mandate/platform';

export class IntentDto {
  @IsOptional() @IsString() @MaxLength(MISSION_LIMITS.intentSummary) summary?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @IsServiceName({ each: true }) services?: string[];
}

export class IssuePassportDto {
  @IsString() @Matches(ID_PATTERNS.agent, { message: 'agent_id must be an agent id (agt_…)' }) agent_id: string;
  @IsOptional() @IsInt() @Min(MISSION_LIMITS.ttlSeconds.min) @Max(MISSION_LIMITS.ttlSeconds.max) ttl_seconds?: number;
  @IsOptional() @IsInt() @Min(MISSION_LIMITS.checkpointIntervalSeconds.min) @Max(MISSION_LIMITS.checkpointIntervalSeconds.max)
  checkpoint_interval_seconds?: number;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => IntentDto) intent?: IntentDto;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) idempotency_key?: string;
  /** An operator's issue: bind the passport to this enrolled key of the agent (its thumbprint); every use then needs a DPoP proof by it. */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'bind_to_key is a key id (an RFC 7638 thumbprint, 43 characters)' }) bind_to_key?: string;
}
