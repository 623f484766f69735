import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ACCOUNTABILITY_MODES, AccountabilityMode } from '@mandate/agents';

export class RegisterAgentDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @IsOptional() @IsIn(ACCOUNTABILITY_MODES) accountability_mode?: AccountabilityMode;
}
