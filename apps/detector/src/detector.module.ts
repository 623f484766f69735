import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ListFindingsRoute } from './findings/listing/list-findings.route';
import { ResolveFindingHandler } from './findings/resolving/resolve-finding.handler';
import { ResolveFindingRoute } from './findings/resolving/resolve-finding.route';
import { FindingsStreamRoute } from './findings/streaming/findings-stream.route';
import { ReplayRoute } from './replaying/replay.route';
import { DetectorRunner } from './runner/detector-runner';
import { ChangeDetectorSettingsHandler } from './settings/change-settings.handler';
import { DetectorSettingsRoute } from './settings/detector-settings.route';

/**
 * Detectors: one projection over the shared stream that raises findings and, for enforced agents, revokes passports.
 * Findings, their feed, per-tenant settings and the replay check live here.
 */
@Module({
  imports: [CqrsModule],
  controllers: [FindingsStreamRoute, ListFindingsRoute, ResolveFindingRoute, DetectorSettingsRoute, ReplayRoute],
  providers: [DetectorRunner, ResolveFindingHandler, ChangeDetectorSettingsHandler],
})
export class DetectorModule {}
