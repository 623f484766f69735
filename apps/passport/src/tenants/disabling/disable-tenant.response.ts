import { ApiProperty } from '@nestjs/swagger';
import { POSITION } from '@mandate/platform';

export class TenantStatusResponse {
  @ApiProperty() tenant_id: string;
  @ApiProperty({ description: 'true: its keys and passports are refused with TENANT_DISABLED and its streams end' }) disabled: boolean;
  @ApiProperty(POSITION) position: number;
}
