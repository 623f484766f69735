import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ACCOUNTABILITY_MODES, AccountabilityMode } from '@mandate/agents';

export class UpdateAgentDto {
  @IsOptional() @IsIn(ACCOUNTABILITY_MODES) accountability_mode?: AccountabilityMode;
  @IsOptional() @IsIn(['active', 'suspended']) status?: 'active' | 'suspended';
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}
