import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RevokeKeyDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}
