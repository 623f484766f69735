import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class AuditQueryDto {
  @IsOptional() @IsString() @MaxLength(100) agent_id?: string;
  @IsOptional() @IsString() @MaxLength(100) jti?: string;
  @IsOptional() @IsString() @MaxLength(100) mission_id?: string;
  @IsOptional() @IsString() @Matches(/^[A-Z][A-Za-z]{1,80}$/, { message: 'type is an event type such as ToolCallLogged' }) type?: string;
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'cursor is the next_cursor of a previous page' }) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  /** Read-your-writes: wait (up to 10 s) until the audit holds the write that answered with this position. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) wait_for_position?: number;
}
