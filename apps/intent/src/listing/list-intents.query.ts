import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ID_PATTERNS } from '@mandate/core';

export class ListIntentsQuery {
  @IsOptional() @IsIn(['pending', 'approved', 'rejected', 'expired']) status?: string;
  @IsOptional() @Matches(ID_PATTERNS.intent) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}
