import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ACCOUNTABILITY_MODES } from '@mandate/agents';
import { ID_PATTERNS } from '@mandate/core';
import { MISSION_STATUSES } from '@mandate/read-models';

export class ListMissionsQuery {
  @IsOptional() @Matches(ID_PATTERNS.agent) agent_id?: string;
  @IsOptional() @IsIn(MISSION_STATUSES) status?: (typeof MISSION_STATUSES)[number];
  @IsOptional() @IsIn(ACCOUNTABILITY_MODES) mode?: string;
  /** The next_cursor of the page before: the position of its last (oldest) mission. */
  @IsOptional() @Matches(/^\d{1,15}$/) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}
