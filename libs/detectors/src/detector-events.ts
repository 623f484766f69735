import { DomainEvent } from '@mandate/core';
import { AccountabilityMode } from '@mandate/agents';
import { BurstThreshold, Severity, Signal, SignalAction } from './signals';
import { DetectorSettingsEvent } from './settings-stream';

/** A finding as stored, in the `security-<tenant>` stream. `raised` says whether operators hear of it. */
export interface SecurityEventRaisedData {
  signal: Signal;
  severity: Severity;
  agentId: string;
  jti: string;
  missionId: string;
  evidence: string[];
  threshold: BurstThreshold | null;
  detail: string;
  action: SignalAction;
  accountabilityMode: AccountabilityMode;
  revoke: boolean;
  raised: boolean;
}

export type FindingEvent =
  | DomainEvent<'SecurityEventRaised', SecurityEventRaisedData>
  /** An operator closed a finding: `findingId` is the event id of its SecurityEventRaised. */
  | DomainEvent<'SecurityEventResolved', { findingId: string; jti: string; agentId: string; missionId: string; note: string; at: string }>;

/** The detectors' only clock, in the `clock` stream: recorded when some checkpoint deadline has passed, so a replay sees the same time. */
export type ClockTicked = DomainEvent<'ClockTicked', { at: string }>;

export type DetectorEvent = FindingEvent | ClockTicked | DetectorSettingsEvent;
