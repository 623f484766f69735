import { Module } from '@nestjs/common';
import { DetectorRunner } from './runner/detector-runner';
import { DetectorSettingsController } from './security-events/detector-settings.controller';
import { SecurityEventsController } from './security-events/security-events.controller';

/**
 * Detectors: one projection over the shared stream that raises findings and, for enforced agents, revokes passports.
 * Findings, their feed, per-tenant settings and the replay check live here.
 */
@Module({
  controllers: [SecurityEventsController, DetectorSettingsController],
  providers: [DetectorRunner],
  exports: [DetectorRunner],
})
export class DetectorModule {}
