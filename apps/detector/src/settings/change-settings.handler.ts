import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DEFAULT_DETECTOR_SETTINGS, DetectorSettings, detectorSettingsDecider, detectorSettingsStream } from '@mandate/detectors';
import { Decisions, Principal } from '@mandate/platform';
import { SettingsDto } from './detector-settings.dto';

export class ChangeDetectorSettings {
  constructor(readonly principal: Principal, readonly body: SettingsDto) {}
}

export const settingsView = (s: DetectorSettings) => ({
  burst: { max_uses: s.burst.maxUses, window_seconds: s.burst.windowSeconds },
  actions: s.actions,
  revoke_on_warning: s.revokeOnWarning,
});

/** Per-tenant thresholds, and per signal observe | flag | revoke. Changing them is an event the detectors read. */
@CommandHandler(ChangeDetectorSettings)
export class ChangeDetectorSettingsHandler implements ICommandHandler<ChangeDetectorSettings> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ principal, body }: ChangeDetectorSettings) {
    const decision = this.decisions.byOperator(principal);
    const settings: DetectorSettings = {
      burst: { maxUses: body.burst.max_uses, windowSeconds: body.burst.window_seconds },
      actions: {
        ...body.actions,
        unreported_calls: body.actions.unreported_calls ?? DEFAULT_DETECTOR_SETTINGS.actions.unreported_calls,
        stolen_passport: body.actions.stolen_passport ?? DEFAULT_DETECTOR_SETTINGS.actions.stolen_passport,
      },
      revokeOnWarning: body.revoke_on_warning ?? false,
    };
    const { state, position } = await decision.execute(detectorSettingsDecider, detectorSettingsStream(decision.tenantId), { type: 'ChangeDetectorSettings', settings });
    return { ...settingsView(state), position };
  }
}
