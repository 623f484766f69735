import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ID_PATTERNS } from '@mandate/core';

export class ListAgentsQuery {
  @IsOptional() @IsString() @Matches(ID_PATTERNS.agent) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}
