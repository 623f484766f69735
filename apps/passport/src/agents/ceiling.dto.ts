import { ArrayMaxSize, IsArray, IsInt, IsString, Max, Min } from 'class-validator';
import { MISSION_LIMITS } from '@mandate/missions';
import { IsServiceName } from '@mandate/platform';

/** What an agent may open for itself with its own key; asking for more is refused (403 AGENT_CEILING_EXCEEDED) and recorded. */
export class CeilingDto {
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @IsServiceName({ each: true }) allowed_services: string[];
  @IsInt() @Min(MISSION_LIMITS.ttlSeconds.min) @Max(MISSION_LIMITS.ttlSeconds.max) max_ttl_seconds: number;
  @IsInt() @Min(1) @Max(100) max_concurrent_missions: number;
}
