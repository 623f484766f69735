import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError } from '@mandate/core';
import { replayReport } from '@mandate/detectors';
import { EventStore } from '@mandate/event-store';
import { Allow, EVENT_STORE, MANDATE_STORAGE, MandateStorage } from '@mandate/platform';
import { DetectorRunner } from '../runner/detector-runner';
import { ReplayResponse } from '../detector.response';

/** How long a replay waits for revocations the detectors ordered but the passport service has not yet applied. */
const REVOCATION_GRACE_MS = 5_000;

@Controller('v1/admin/replay')
export class ReplayRoute {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MANDATE_STORAGE) private readonly storage: MandateStorage,
    private readonly runner: DetectorRunner,
  ) {}

  /**
   * Rebuilds every detector and every read model from the start of history into fresh state and compares with the
   * live ones: findings, the revocations detectors caused, and each read-model table row by row.
   */
  @Post()
  @HttpCode(200)
  @Allow('instance_admin')
  @ApiOkResponse({ type: ReplayResponse })
  @ApiOperation({ summary: 'Rebuild every detector from history and compare with the live findings and revocations (instance admin)' })
  async replay() {
    // Live detectors follow the stream: compare only what they have handled, after letting them catch up. A
    // revocation they ordered is applied by the passport service a moment later (distributed mode): one still in
    // flight is waited for, and only one that stays missing is reported.
    const deadline = Date.now() + REVOCATION_GRACE_MS;
    let detectors: Awaited<ReturnType<typeof replayReport>>;
    for (;;) {
      const head = await this.store.headPosition();
      await this.runner.handledAfter(head, 10_000);
      if (this.runner.handledPosition < head) throw new DomainError('DETECTORS_BEHIND', 'the detectors are catching up; retry shortly');
      detectors = await replayReport((after, limit) => this.store.readAll(after, limit), this.runner.handledPosition);
      const inFlight = detectors.revocation_differences.some((d) => d.kind === 'not_applied');
      if (!inFlight || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const readModelDifferences = await this.storage.compareReadModels();
    return { ...detectors, read_models: { differences: readModelDifferences }, identical: detectors.identical && readModelDifferences.length === 0 };
  }
}
