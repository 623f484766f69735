import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { MISSION_LIMITS } from '@mandate/missions';

export class CheckoutDto {
  @IsOptional() @IsString() @MaxLength(MISSION_LIMITS.checkpointSummary) summary?: string;
  @IsIn(['success', 'failure']) outcome: 'success' | 'failure';
}
