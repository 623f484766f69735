import { randomUUID } from 'crypto';
import { Body, Controller, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { Clock, DomainError } from '@mandate/core';
import { DetectorSettings, detectorSettingsDecider, detectorSettingsStream, replayReport, SignalAction } from '@mandate/detectors';
import { EventStore } from '@mandate/event-store';
import { DetectorRunner } from '../runner/detector-runner';
import { AggregateRepository, Allow, CLOCK, CurrentPrincipal, EVENT_STORE, MANDATE_STORAGE, MandateStorage, Principal, operatorOf } from '@mandate/platform';

const ACTIONS = ['observe', 'flag', 'revoke'];

class BurstDto {
  @IsInt() @Min(1) @Max(100_000) max_uses: number;
  @IsInt() @Min(1) @Max(86_400) window_seconds: number;
}

class ActionsDto {
  @IsIn(ACTIONS) scope_drift: SignalAction;
  @IsIn(ACTIONS) post_checkout_access: SignalAction;
  @IsIn(ACTIONS) credential_burst: SignalAction;
  @IsIn(ACTIONS) checkpoint_silence: SignalAction;
  @IsIn(ACTIONS) intent_mismatch: SignalAction;
}

class SettingsDto {
  @IsObject() @ValidateNested() @Type(() => BurstDto) burst: BurstDto;
  @IsObject() @ValidateNested() @Type(() => ActionsDto) actions: ActionsDto;
  @IsOptional() @IsBoolean() revoke_on_warning?: boolean;
}

/** How long a replay waits for revocations the detectors ordered but the passport service has not yet applied. */
const REVOCATION_GRACE_MS = 5_000;

const view = (s: DetectorSettings) => ({
  burst: { max_uses: s.burst.maxUses, window_seconds: s.burst.windowSeconds },
  actions: s.actions,
  revoke_on_warning: s.revokeOnWarning,
});

/** Per-tenant detector settings: thresholds, and per signal observe | flag | revoke. Changing them is an event. */
@Controller()
export class DetectorSettingsController {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MANDATE_STORAGE) private readonly storage: MandateStorage,
    private readonly runner: DetectorRunner,
  ) {}

  @Get('v1/detectors/settings')
  @Allow('admin', 'operator', 'auditor')
  async get(@CurrentPrincipal() principal: Principal) {
    return view((await this.repository.load(detectorSettingsDecider, detectorSettingsStream(operatorOf(principal).tenantId))).state);
  }

  @Put('v1/detectors/settings')
  @Allow('admin')
  async put(@Body() body: SettingsDto, @CurrentPrincipal() principal: Principal) {
    const { tenantId } = operatorOf(principal);
    const settings: DetectorSettings = {
      burst: { maxUses: body.burst.max_uses, windowSeconds: body.burst.window_seconds },
      actions: { ...body.actions },
      revokeOnWarning: body.revoke_on_warning ?? false,
    };
    const now = this.clock.now().toISOString();
    const { state, position } = await this.repository.execute(detectorSettingsDecider, detectorSettingsStream(tenantId), { type: 'ChangeDetectorSettings', settings }, {
      tenantId, actor: principal.actor, now, correlationId: randomUUID(),
    });
    return { ...view(state), position };
  }

  /**
   * Rebuilds every detector and every read model from the start of history into fresh state and compares with the
   * live ones: findings, the revocations detectors caused, and each read-model table row by row.
   */
  @Post('v1/admin/replay')
  @HttpCode(200)
  @Allow('instance_admin')
  async replay() {
    // Live detectors follow the stream: compare only what they have handled, after letting them catch up. A
    // revocation they ordered is applied by the passport service a moment later (distributed mode): one still in
    // flight is waited for, and only one that stays missing is reported.
    const deadline = Date.now() + REVOCATION_GRACE_MS;
    let detectors: Awaited<ReturnType<typeof replayReport>>;
    for (;;) {
      const head = await this.store.headPosition();
      await this.runner.handledAfter(head, 10_000);
      if (this.runner.handledPosition < head) throw new DomainError('DETECTORS_BEHIND', 'the detectors are catching up; retry shortly', 503);
      detectors = await replayReport((after, limit) => this.store.readAll(after, limit), this.runner.handledPosition);
      const inFlight = detectors.revocation_differences.some((d) => d.kind === 'not_applied');
      if (!inFlight || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const readModelDifferences = await this.storage.compareReadModels();
    return { ...detectors, read_models: { differences: readModelDifferences }, identical: detectors.identical && readModelDifferences.length === 0 };
  }
}
