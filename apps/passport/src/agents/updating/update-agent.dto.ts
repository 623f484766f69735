import { IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { CeilingDto } from '../ceiling.dto';
import { ACCOUNTABILITY_MODES, AccountabilityMode } from '@mandate/agents';

export class UpdateAgentDto {
  @IsOptional() @IsIn(ACCOUNTABILITY_MODES) accountability_mode?: AccountabilityMode;
  @IsOptional() @IsIn(['active', 'suspended']) status?: 'active' | 'suspended';
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
  /** What the agent may open for itself once it enrolls a key (none without one). */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CeilingDto) ceiling?: CeilingDto;
}
