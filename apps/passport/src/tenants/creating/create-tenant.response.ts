import { ApiProperty } from '@nestjs/swagger';
import { POSITION } from '@mandate/platform';

export class TenantAdminKey {
  @ApiProperty() key_id: string;
  @ApiProperty({ enum: ['admin'] }) role: 'admin';
  @ApiProperty({ description: 'the key itself: shown once, never again' }) key: string;
}

export class CreatedTenantResponse {
  @ApiProperty() tenant_id: string;
  @ApiProperty() name: string;
  @ApiProperty() admin_key: TenantAdminKey;
  @ApiProperty(POSITION) position: number;
}
