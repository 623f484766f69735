import { ApiProperty } from '@nestjs/swagger';
import { POSITION } from '@mandate/platform';
import { Role, ROLES } from '@mandate/tenancy';

export class CreatedKeyResponse {
  @ApiProperty() key_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ description: 'the key itself: shown once, never again' }) key: string;
  @ApiProperty(POSITION) position: number;
}

export class KeyView {
  @ApiProperty() key_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty() revoked: boolean;
}

export class KeyListResponse {
  @ApiProperty({ type: [KeyView], description: 'never the secrets' }) keys: KeyView[];
}

export class RevokedKeyResponse {
  @ApiProperty() key_id: string;
  @ApiProperty({ enum: [true] }) revoked: true;
  @ApiProperty(POSITION) position: number;
}
