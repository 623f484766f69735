import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class WaitQuery {
  /** Long-poll: answer as soon as the intent is final, or after this many seconds. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(60) wait?: number;
}
