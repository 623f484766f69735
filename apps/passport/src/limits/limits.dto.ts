import { IsInt, IsOptional, Min } from 'class-validator';

/** A tenant's own limits; each one left out takes the instance default. The instance maxima bound them (422 above). */
export class LimitsDto {
  @IsOptional() @IsInt() @Min(1) operator_key_requests_per_minute?: number;
  @IsOptional() @IsInt() @Min(1) passport_requests_per_minute?: number;
  @IsOptional() @IsInt() @Min(1) streams_per_key?: number;
  @IsOptional() @IsInt() @Min(1) streams_per_tenant?: number;
}
