import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MISSION_LIMITS } from '@mandate/missions';
import { IsServiceName } from '@mandate/platform';

export class CheckpointDto {
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @IsServiceName({ each: true }) services_used?: string[];
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000) actions_count?: number;
  @IsOptional() @IsString() @MaxLength(MISSION_LIMITS.checkpointSummary) summary?: string;
}
