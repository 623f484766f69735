import { RecordedEvent } from '@mandate/core';
import { detect, initialDetectorState } from './detectors';
import { compareFindings, findingData, findingId, ReplayDifference } from './findings';

export interface ReplayReport {
  events: number;
  findings: { live: number; replayed: number };
  revocations: { live: number; replayed: number };
  differences: ReplayDifference[];
  revocation_differences: Array<{ findingId: string; kind: 'revoked_live_only' | 'revoked_in_replay_only' }>;
  identical: boolean;
  duration_ms: number;
  events_per_second: number;
}

/**
 * Rebuilds every detector from the start of history into fresh state and compares with what was recorded live: each
 * finding (by id and content) and each revocation a detector caused. Zero differences is the only good answer.
 */
export async function replayReport(readPage: (afterPosition: number, limit: number) => Promise<RecordedEvent[]>): Promise<ReplayReport> {
  const started = performance.now();
  const state = initialDetectorState();
  const live: RecordedEvent[] = [];
  const replayed: Array<{ id: string; data: unknown }> = [];
  const revokedLive = new Set<string>();
  const revokedReplayed = new Set<string>();
  let events = 0;
  for (let after = 0; ; ) {
    const page = await readPage(after, 5000);
    if (page.length === 0) break;
    for (const event of page) {
      events++;
      if (event.type === 'SecurityEventRaised') live.push(event);
      if (event.type === 'PassportRevoked' && event.actor.kind === 'detector' && event.causationId) revokedLive.add(event.causationId);
      detect(state, event).forEach((finding, index) => {
        const id = findingId(finding, index);
        replayed.push({ id, data: findingData(finding) });
        if (finding.revoke) revokedReplayed.add(id);
      });
    }
    after = page[page.length - 1].position;
  }
  const differences = compareFindings(live, replayed);
  // A replayed revoke that found the passport already revoked live (a race with an operator) changes nothing.
  const revocationDifferences = [
    ...[...revokedLive].filter((id) => !revokedReplayed.has(id)).map((findingId) => ({ findingId, kind: 'revoked_live_only' as const })),
    ...[...revokedReplayed].filter((id) => !revokedLive.has(id)).map((findingId) => ({ findingId, kind: 'revoked_in_replay_only' as const })),
  ];
  const duration = performance.now() - started;
  return {
    events,
    findings: { live: live.length, replayed: replayed.length },
    revocations: { live: revokedLive.size, replayed: revokedReplayed.size },
    differences,
    revocation_differences: revocationDifferences,
    identical: differences.length === 0 && revocationDifferences.length === 0,
    duration_ms: Math.round(duration),
    events_per_second: Math.round(events / Math.max(duration / 1000, 0.001)),
  };
}
