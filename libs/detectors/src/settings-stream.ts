import { Decider, DomainEvent } from '@mandate/core';
import { DEFAULT_DETECTOR_SETTINGS, DetectorSettings, withEverySignal } from './signals';

export type DetectorSettingsEvent = DomainEvent<'DetectorSettingsChanged', { settings: DetectorSettings }>;
export type DetectorSettingsCommand = { type: 'ChangeDetectorSettings'; settings: DetectorSettings };

/**
 * A tenant's detector settings, replaced as a whole; each change is an event the detectors fold in order. A change
 * stored before a signal existed reads with that signal's default action.
 */
export const detectorSettingsDecider: Decider<DetectorSettingsCommand, DetectorSettingsEvent, DetectorSettings> = {
  initialState: DEFAULT_DETECTOR_SETTINGS,
  evolve: (_state, event) => withEverySignal(event.data.settings),
  decide: (command) => [{ type: 'DetectorSettingsChanged', data: { settings: command.settings } }],
};

export const detectorSettingsStream = (tenantId: string) => `detectors-${tenantId}`;
