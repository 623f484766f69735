import { ApiProperty } from '@nestjs/swagger';

/** A passport signing key as the instance admin sees it: its kid and its life, never the key. */
export class SigningKeyView {
  @ApiProperty({ description: 'the JWK thumbprint tokens name in their header' }) kid: string;
  @ApiProperty({ enum: ['signing', 'retired'] }) status: 'signing' | 'retired';
  @ApiProperty({ format: 'date-time' }) signing_since: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the next key began signing' }) retired_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when it leaves the JWKS: every passport it signed has expired by then' })
  verifies_until: string | null;
}

export class SigningKeysResponse {
  @ApiProperty({ description: 'the key new passports are signed with' }) kid: string;
  @ApiProperty({ type: [SigningKeyView], description: 'every key that still verifies, the signing one first: what the JWKS holds' }) keys: SigningKeyView[];
}

export class SigningKeyRotationResponse extends SigningKeysResponse {
  @ApiProperty({ description: 'the key that signed until now' }) retired: string;
  @ApiProperty({ description: 'false when a rotation that raced with this one made the new key' }) made: boolean;
  @ApiProperty({ type: [String], description: 'keys past their retention whose files this rotation removed' }) forgotten: string[];
}
