import { CompiledValidation } from '@mandate/platform';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

@CompiledValidation()
export class VerifyDto {
  @IsString() @IsNotEmpty() @MaxLength(8192) token: string;
}
