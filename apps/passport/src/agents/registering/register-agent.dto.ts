import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { CeilingDto } from '../ceiling.dto';
import { ACCOUNTABILITY_MODES, AccountabilityMode } from '@mandate/agents';

export class RegisterAgentDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @IsOptional() @IsIn(ACCOUNTABILITY_MODES) accountability_mode?: AccountabilityMode;
  /** What the agent may open for itself once it enrolls a key (none without one). */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CeilingDto) ceiling?: CeilingDto;
}
