import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRESENTATION_KINDS, PresentationKind } from '@mandate/credentials';
import { POSITION } from '@mandate/platform';

export class PresentationView {
  @ApiProperty({ enum: PRESENTATION_KINDS }) kind: PresentationKind;
  @ApiPropertyOptional({ description: 'the header or query parameter that carries the secret (kinds header and query)' }) name?: string;
  @ApiPropertyOptional({ description: 'the Basic user name (kind basic); without it the secret is the user name' }) username?: string;
}

export class SecretVersionView {
  @ApiProperty() secret_id: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) version: number;
  @ApiProperty({ description: 'HMAC-SHA256 of the secret under the installation\'s fingerprint key, first 16 hex digits: tells versions apart, never the secret' })
  fingerprint: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ServiceView {
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], description: 'the hosts its credential may be sent to' }) hosts: string[];
  @ApiProperty({ type: [String], description: 'those of the hosts reachable over plain http and on private addresses' }) internal_hosts: string[];
  @ApiProperty({ type: PresentationView }) presentation: PresentationView;
  @ApiProperty({ type: [SecretVersionView], description: 'active versions, oldest first; the last one is used for calls. Never the secrets.' })
  secrets: SecretVersionView[];
  @ApiProperty({ type: 'integer', minimum: 1, description: 'the version calls use' }) current_version: number;
  @ApiProperty({ format: 'date-time' }) registered_at: string;
}

export class ServiceWriteResponse extends ServiceView {
  @ApiProperty(POSITION) position: number;
}

export class ServiceListResponse {
  @ApiProperty({ type: [ServiceView] }) services: ServiceView[];
}

export class RemovedServiceResponse {
  @ApiProperty() name: string;
  @ApiProperty({ enum: [true] }) removed: true;
  @ApiProperty(POSITION) position: number;
}
