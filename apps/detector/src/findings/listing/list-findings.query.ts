import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { SIGNALS } from '@mandate/detectors';

export class ListFindingsQuery {
  @IsOptional() @IsIn(SIGNALS) signal?: string;
  @IsOptional() @IsIn(['info', 'warning', 'critical']) severity?: string;
  @IsOptional() @IsString() @MaxLength(100) agent_id?: string;
  @IsOptional() @IsString() @MaxLength(100) jti?: string;
  @IsOptional() @IsIn(['open', 'resolved']) status?: string;
  @IsOptional() @Matches(/^\d{1,15}$/) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  /** Read-your-writes: wait (up to 10 s) until the detectors have handled the event at this position. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) wait_for_position?: number;
}
