import { RecordedEvent } from '@mandate/core';
import { isMandateEvent, RecordedEventOf } from '@mandate/events';
import { SecurityEventRaisedData } from './detector-events';
import { detect, initialDetectorState } from './detectors';
import { compareFindings, findingData, findingId, ReplayDifference } from './findings';

export interface ReplayReport {
  events: number;
  findings: { live: number; replayed: number };
  revocations: { live: number; replayed: number };
  differences: ReplayDifference[];
  /** A revoke command (a finding with revoke) that no revocation of its passport followed, or a detector revocation no finding asked for. */
  revocation_differences: Array<{ findingId: string; kind: 'not_applied' | 'unexplained' }>;
  identical: boolean;
  duration_ms: number;
  events_per_second: number;
}

/**
 * Rebuilds every detector from the start of history into fresh state and compares with what was recorded live: each
 * finding (by id and content) and each revocation a detector caused. Zero differences is the only good answer.
 */
export async function replayReport(
  readPage: (afterPosition: number, limit: number) => Promise<RecordedEvent[]>,
  /** Compare only what the live detectors have handled: events up to here, and what they caused. */
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<ReplayReport> {
  const started = performance.now();
  const state = initialDetectorState();
  const live: Array<RecordedEventOf<'SecurityEventRaised'>> = [];
  const replayed: Array<{ id: string; data: SecurityEventRaisedData }> = [];
  const revokedReplayed = new Set<string>();
  /** The position at which each mission's passport was revoked, by anyone. */
  const missionRevokedAt = new Map<string, number>();
  const detectorRevocations: Array<RecordedEventOf<'PassportRevoked'>> = [];
  let events = 0;
  /** Events the live detectors have not handled yet: only findings caused by these are left out of the comparison. */
  const beyond = new Set<string>();
  const allFindingIds = new Set<string>();
  for (let after = 0; ; ) {
    const page = await readPage(after, 5000);
    if (page.length === 0) break;
    for (const event of page) {
      if (isMandateEvent(event) && event.type === 'SecurityEventRaised') {
        allFindingIds.add(event.id);
        // A finding with no cause, or a cause nobody recorded, is compared (and will not be replayed).
        if (!(event.causationId !== null && beyond.has(event.causationId))) live.push(event);
      }
      if (isMandateEvent(event) && event.type === 'PassportRevoked') {
        missionRevokedAt.set(event.data.missionId, event.position);
        if (event.actor.kind === 'detector') detectorRevocations.push(event);
      }
      if (event.position > upTo) {
        beyond.add(event.id);
        continue;
      }
      events++;
      detect(state, event).forEach((finding, index) => {
        const id = findingId(finding, index);
        replayed.push({ id, data: findingData(finding) });
        if (finding.revoke) revokedReplayed.add(id);
      });
    }
    after = page[page.length - 1].position;
  }
  const differences = compareFindings(live, replayed);
  // The commands are the findings with revoke (compared above); each must have taken effect: its passport is revoked.
  // A finding can land after the revocation an earlier finding of the same batch caused (the detector sees that
  // revocation only when it reaches it in the stream); its command was then a no-op, which is the same outcome.
  const liveRevokes = live.filter((e) => e.data.revoke);
  const liveIds = new Set(live.map((e) => e.id));
  const revocationDifferences = [
    ...liveRevokes
      .filter((e) => !missionRevokedAt.has(e.data.missionId))
      .map((e) => ({ findingId: e.id, kind: 'not_applied' as const })),
    // A detector revocation must come from a finding; one whose finding lies beyond the window is not judged yet.
    ...detectorRevocations
      .filter((r) => r.causationId === null || !allFindingIds.has(r.causationId) || (liveIds.has(r.causationId) && !revokedReplayed.has(r.causationId)))
      .map((r) => ({ findingId: r.causationId ?? r.id, kind: 'unexplained' as const })),
  ];
  const duration = performance.now() - started;
  return {
    events,
    findings: { live: live.length, replayed: replayed.length },
    revocations: { live: liveRevokes.length, replayed: revokedReplayed.size },
    differences,
    revocation_differences: revocationDifferences,
    identical: differences.length === 0 && revocationDifferences.length === 0,
    duration_ms: Math.round(duration),
    events_per_second: Math.round(events / Math.max(duration / 1000, 0.001)),
  };
}
