import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class RevokeAllDto {
  @IsString() @IsNotEmpty() @MaxLength(500) reason: string;
}
