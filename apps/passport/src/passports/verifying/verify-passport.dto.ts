import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class VerifyDto {
  @IsString() @IsNotEmpty() @MaxLength(8192) token: string;
}
