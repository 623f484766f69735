import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RevokeAgentDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}
