import { IsOptional, IsString, MaxLength } from 'class-validator';

export class DisableTenantDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}
