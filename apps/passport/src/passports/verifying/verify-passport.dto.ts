import { CompiledValidation } from '@mandate/platform';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

@CompiledValidation()
export class VerifyDto {
  @IsString() @IsNotEmpty() @MaxLength(8192) token: string;
}

/** RFC 7662 §2.1: `token`, and optionally `token_type_hint` (passports are the only kind, so it changes nothing). */
export class IntrospectDto {
  @IsString() @IsNotEmpty() @MaxLength(8192) token: string;
  @IsOptional() @IsString() @MaxLength(100) token_type_hint?: string;
}
