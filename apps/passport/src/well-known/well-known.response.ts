import { ApiProperty } from '@nestjs/swagger';

export class JwkView {
  @ApiProperty({ example: 'OKP' }) kty: string;
  @ApiProperty({ required: false, example: 'Ed25519' }) crv?: string;
  @ApiProperty({ required: false }) x?: string;
  @ApiProperty({ required: false }) kid?: string;
  @ApiProperty({ required: false, example: 'EdDSA' }) alg?: string;
  @ApiProperty({ required: false, example: 'sig' }) use?: string;
}

/** RFC 7517: the keys a downstream verifier checks passports with. */
export class JwksResponse {
  @ApiProperty({ type: [JwkView] }) keys: JwkView[];
}

export class OpenIdConfigurationResponse {
  @ApiProperty() issuer: string;
  @ApiProperty() jwks_uri: string;
  @ApiProperty() introspection_endpoint: string;
  @ApiProperty({ type: [String] }) id_token_signing_alg_values_supported: string[];
  @ApiProperty({ type: [String], description: 'algorithms accepted for DPoP proofs (RFC 9449)' }) dpop_signing_alg_values_supported: string[];
  @ApiProperty({ type: [String] }) token_endpoint_auth_methods_supported: string[];
  @ApiProperty({ type: [String] }) response_types_supported: string[];
  @ApiProperty({ type: [String] }) subject_types_supported: string[];
  @ApiProperty({ type: [String] }) claims_supported: string[];
}
