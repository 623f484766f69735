import { Type } from 'class-transformer';
import { Equals, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { AGENT_LIMITS } from '@mandate/agents';

export class CreateEnrollmentDto {
  /** How long the token may be used (once): minutes, by default ten. */
  @IsOptional() @IsInt() @Min(AGENT_LIMITS.enrollmentSeconds.min) @Max(AGENT_LIMITS.enrollmentSeconds.max) expires_in_seconds?: number;
}

/** An Ed25519 public key as a JWK (RFC 8037): the private half never leaves the agent. */
export class PublicJwkDto {
  @Equals('OKP', { message: 'kty must be "OKP" (an Ed25519 key)' }) kty: 'OKP';
  @Equals('Ed25519', { message: 'crv must be "Ed25519"' }) crv: 'Ed25519';
  @IsString() @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'x is the 32-byte public key in base64url (43 characters)' }) x: string;
}

export class EnrollKeyDto {
  @IsString() @MaxLength(400) token: string;
  @IsObject() @ValidateNested() @Type(() => PublicJwkDto) jwk: PublicJwkDto;
}
