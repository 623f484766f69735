import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Role, ROLES } from '@mandate/tenancy';

export class CreateKeyDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @IsIn(ROLES) role: Role;
}
