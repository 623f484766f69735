import { specFor } from '@mandate/core';
import { FindingEvent, SecurityEventRaisedData } from './detector-events';
import { clockDecider, findingsDecider } from './finding.decide';

const finding = (jti = 'pp_1'): SecurityEventRaisedData => ({
  signal: 'scope_drift', severity: 'critical', agentId: 'agt_1', jti, missionId: 'msn_1', evidence: ['e1'], threshold: null,
  detail: 'a tool call used "github"', action: 'revoke', accountabilityMode: 'enforced', revoke: true, raised: true,
} as SecurityEventRaisedData);
const raised = (id: string, jti = 'pp_1') => ({ id, type: 'SecurityEventRaised', data: finding(jti) }) as FindingEvent & { id: string };
const ada = { kind: 'operator' as const, id: 'key_ada' };
const NOW = '2026-11-29T12:00:00.000Z';

describe('findings', () => {
  const spec = specFor(findingsDecider);

  it('given no finding, when a detector raises one, then it is raised under the id derived from its cause', () =>
    spec([]).when({ type: 'RaiseFinding', findingId: 'f1', finding: finding() }).then([raised('f1')]));

  it('given a raised finding, when the same finding is raised again (a crash, a replay), then nothing changes', () =>
    spec([raised('f1')]).when({ type: 'RaiseFinding', findingId: 'f1', finding: finding() }).then([]));

  it('given a raised finding, when an operator resolves it, then it is resolved with the note and the passport it concerns', () =>
    spec([raised('f1'), raised('f2', 'pp_2')]).when({ type: 'ResolveFinding', findingId: 'f2', note: 'seen', by: ada, now: NOW }).then([
      { type: 'SecurityEventResolved', data: { findingId: 'f2', jti: 'pp_2', agentId: 'agt_1', missionId: 'msn_1', note: 'seen', at: NOW } },
    ]));

  it('given a resolved finding, when it is resolved again, then ALREADY_RESOLVED', () =>
    spec([raised('f1'), { type: 'SecurityEventResolved', data: { findingId: 'f1', jti: 'pp_1', agentId: 'agt_1', missionId: 'msn_1', note: 'seen', at: NOW } }])
      .when({ type: 'ResolveFinding', findingId: 'f1', note: 'again', by: ada, now: NOW })
      .thenThrows('ALREADY_RESOLVED'));

  it('given no such finding in the tenant, when it is resolved, then NOT_FOUND', () =>
    spec([raised('f1')]).when({ type: 'ResolveFinding', findingId: 'other', note: 'x', by: ada, now: NOW }).thenThrows('NOT_FOUND'));

  it('given two folds of different streams, then neither sees the other (the empty state is never written)', () => {
    const first = [raised('f1')].reduce(findingsDecider.evolve, findingsDecider.initialState);
    const second = [raised('f2')].reduce(findingsDecider.evolve, findingsDecider.initialState);
    expect([...first.findings.keys()]).toEqual(['f1']);
    expect([...second.findings.keys()]).toEqual(['f2']);
    expect(findingsDecider.initialState.findings.size).toBe(0);
  });
});

describe('the clock', () => {
  const spec = specFor(clockDecider);
  const tick = (at: string) => ({ type: 'ClockTicked' as const, data: { at } });

  it('given no tick, when time is due, then a tick is recorded', () => spec([]).when({ type: 'Tick', now: NOW }).then([tick(NOW)]));

  it('given a tick at this very time or later, when another is asked for, then nothing is recorded (ticks only move forward)', () => {
    spec([tick(NOW)]).when({ type: 'Tick', now: NOW }).then([]);
    spec([tick(NOW)]).when({ type: 'Tick', now: '2026-11-29T11:59:59.000Z' }).then([]);
  });

  it('given a tick, when time has moved on, then the next tick is recorded', () =>
    spec([tick(NOW)]).when({ type: 'Tick', now: '2026-11-29T12:00:01.000Z' }).then([tick('2026-11-29T12:00:01.000Z')]));
});
