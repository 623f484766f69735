/** What the detectors can raise, and what a tenant has each one do. */
export const SIGNALS = ['scope_drift', 'post_checkout_access', 'credential_burst', 'checkpoint_silence', 'intent_mismatch', 'unreported_calls', 'stolen_passport'] as const;
export type Signal = (typeof SIGNALS)[number];
export type Severity = 'info' | 'warning' | 'critical';
/** What a tenant wants done when a signal fires: record it, raise it to operators, or revoke (enforced agents only). */
export type SignalAction = 'observe' | 'flag' | 'revoke';

export interface DetectorSettings {
  burst: { maxUses: number; windowSeconds: number };
  actions: Record<Signal, SignalAction>;
  /** Whether a warning (not only a critical finding) revokes an enforced agent's passport when its signal says revoke. */
  revokeOnWarning: boolean;
}

export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = {
  burst: { maxUses: 15, windowSeconds: 30 },
  // unreported_calls is flagged, like checkpoint_silence: both weigh what an agent reports, not what it may do.
  actions: { scope_drift: 'revoke', post_checkout_access: 'revoke', credential_burst: 'revoke', checkpoint_silence: 'flag', intent_mismatch: 'revoke', unreported_calls: 'flag', stolen_passport: 'revoke' },
  revokeOnWarning: false,
};

/**
 * Settings with an action for every signal: those stored before a signal existed (or a change that left it out) give
 * it its default, so a new signal does what its default says until the tenant decides otherwise.
 */
export function withEverySignal(settings: DetectorSettings): DetectorSettings {
  if (SIGNALS.every((signal) => settings.actions[signal] !== undefined)) return settings;
  const actions = { ...DEFAULT_DETECTOR_SETTINGS.actions };
  for (const signal of SIGNALS) actions[signal] = settings.actions[signal] ?? actions[signal];
  return { ...settings, actions };
}

/** What a credential_burst finding measured, in the snake_case the stored finding has always used. */
export interface BurstThreshold {
  max_uses: number;
  window_seconds: number;
  observed: number;
}
