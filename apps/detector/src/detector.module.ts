import { Module } from '@nestjs/common';

/**
 * Detectors: projections over the shared stream that raise findings and revoke enforced passports. They arrive with
 * issue #4; the module exists now so the four-service layout and the all-in-one host are in place from the start.
 */
@Module({})
export class DetectorModule {}
