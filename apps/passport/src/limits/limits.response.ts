import { ApiProperty } from '@nestjs/swagger';
import { POSITION } from '@mandate/platform';

const PER_MINUTE = { type: 'integer', minimum: 1 } as const;

/** One set of limits; in a tenant's own set, a limit it left to the instance default is absent. */
export class LimitValues {
  @ApiProperty({ ...PER_MINUTE, required: false, description: 'requests per minute per operator key' }) operator_key_requests_per_minute?: number;
  @ApiProperty({ ...PER_MINUTE, required: false, description: 'requests per minute per passport' }) passport_requests_per_minute?: number;
  @ApiProperty({ ...PER_MINUTE, required: false, description: 'open event streams per key' }) streams_per_key?: number;
  @ApiProperty({ ...PER_MINUTE, required: false, description: 'open event streams per tenant' }) streams_per_tenant?: number;
}

export class LimitsResponse {
  @ApiProperty({ type: LimitValues, description: 'what applies now: the tenant’s own limits, else the defaults' }) in_force: LimitValues;
  @ApiProperty({ type: LimitValues, description: 'what the tenant set itself' }) tenant: LimitValues;
  @ApiProperty({ type: LimitValues }) defaults: LimitValues;
  @ApiProperty({ type: LimitValues, description: 'the instance’s ceilings: a tenant cannot set more' }) maxima: LimitValues;
  @ApiProperty({ ...PER_MINUTE, description: 'requests per minute per client address on unauthenticated routes' }) address_requests_per_minute: number;
}

export class ChangedLimitsResponse extends LimitsResponse {
  @ApiProperty(POSITION) position: number;
}
