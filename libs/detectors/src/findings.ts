import { createHash } from 'crypto';
import { canonicalJson } from '@mandate/core';
import type { RecordedEventOf } from '@mandate/events';
import { SecurityEventRaisedData } from './detector-events';
import { DetectorState, Finding } from './detectors';

/**
 * A finding's event id is derived from where it was raised, so raising it again (after a crash, or in a replay) names
 * the same event, and the store's idempotency by event id keeps it once.
 */
export function findingId(finding: Finding, index: number): string {
  const hex = createHash('sha256').update(`${finding.raisedBy.eventId}|${finding.signal}|${finding.jti}|${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The data of a SecurityEventRaised event. `raised` says whether operators hear of it (not in standard mode, not when observed). */
export function findingData(finding: Finding): SecurityEventRaisedData {
  return {
    signal: finding.signal,
    severity: finding.severity,
    agentId: finding.agentId,
    jti: finding.jti,
    missionId: finding.missionId,
    evidence: finding.evidence,
    threshold: finding.threshold,
    detail: finding.detail,
    action: finding.action,
    accountabilityMode: finding.accountabilityMode,
    revoke: finding.revoke,
    raised: finding.accountabilityMode !== 'standard' && finding.action !== 'observe',
  };
}

/** Whether a tick now would find a silent mission: ticks are recorded only when they matter. */
export function silenceDue(state: DetectorState, nowIso: string): boolean {
  const now = Date.parse(nowIso);
  for (const m of state.missions.values()) {
    if (m.closed || m.mode === 'standard' || now >= m.expiresAt) continue;
    if (now >= m.checkpointDueAt && m.silenceRaisedFor !== m.checkpointDueAt) return true;
  }
  return false;
}

export interface ReplayDifference {
  findingId: string;
  kind: 'missing_live' | 'missing_in_replay' | 'different';
  live?: unknown;
  replayed?: unknown;
}

/** Compares the findings stored live with those a fresh replay derives: same ids, same content, nothing more or less. */
export function compareFindings(live: Array<RecordedEventOf<'SecurityEventRaised'>>, replayed: Array<{ id: string; data: SecurityEventRaisedData }>): ReplayDifference[] {
  const differences: ReplayDifference[] = [];
  const liveById = new Map(live.map((e) => [e.id, e.data]));
  const replayedIds = new Set<string>();
  for (const r of replayed) {
    replayedIds.add(r.id);
    const stored = liveById.get(r.id);
    if (stored === undefined) differences.push({ findingId: r.id, kind: 'missing_live', replayed: r.data });
    else if (canonicalJson(stored) !== canonicalJson(r.data)) differences.push({ findingId: r.id, kind: 'different', live: stored, replayed: r.data });
  }
  for (const e of live) if (!replayedIds.has(e.id)) differences.push({ findingId: e.id, kind: 'missing_in_replay', live: e.data });
  return differences;
}
