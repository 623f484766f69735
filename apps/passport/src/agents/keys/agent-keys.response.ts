import { ApiProperty } from '@nestjs/swagger';
import { POSITION } from '@mandate/platform';

export class AgentJwkView {
  @ApiProperty({ enum: ['OKP'] }) kty: string;
  @ApiProperty({ enum: ['Ed25519'] }) crv: string;
  @ApiProperty() x: string;
}

export class AgentKeyView {
  @ApiProperty({ description: 'RFC 7638 thumbprint' }) key_id: string;
  @ApiProperty({ type: AgentJwkView }) jwk: AgentJwkView;
  @ApiProperty({ format: 'date-time' }) enrolled_at: string;
  @ApiProperty({ enum: ['active', 'revoked'] }) status: string;
}

export class AgentKeysResponse {
  @ApiProperty({ type: [AgentKeyView] }) keys: AgentKeyView[];
}

export class AgentKeyRevokedResponse {
  @ApiProperty() key_id: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'passports bound to the key that were revoked with it' }) passports_revoked: number;
  @ApiProperty(POSITION) position: number;
}
