import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RevokePassportDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}
