import { RecordedEvent } from '@mandate/core';
import { detect, Finding, initialDetectorState, replay } from './detectors';
import { detectorSettingsDecider } from './settings-stream';
import { DEFAULT_DETECTOR_SETTINGS, DetectorSettings } from './signals';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
let position = 0;
const ref = { missionId: 'msn_1', jti: 'pp_1', agentId: 'agt_1' };

function event(type: string, data: Record<string, unknown>, seconds: number, tenantId = 'ten_1'): RecordedEvent {
  position++;
  return {
    id: `e${position}`, type, schemaVersion: 1, streamId: 'mission-msn_1', streamVersion: position, position, tenantId,
    occurredAt: at(seconds), actor: { kind: 'passport', id: 'pp_1' }, causationId: null, correlationId: 'c', data,
  };
}

const registered = (mode: string) => event('AgentRegistered', { agentId: 'agt_1', tenantId: 'ten_1', name: 'bot', description: '', accountabilityMode: mode, registeredAt: at(0) }, 0);
const issued = (mode = 'enforced', services = ['slack']) =>
  event('PassportIssued', { ...ref, tenantId: 'ten_1', accountabilityMode: mode, intent: { summary: 's', services }, ttlSeconds: 900, checkpointIntervalSeconds: 300, issuedAt: at(0), expiresAt: at(900), leashExpiresAt: at(300), checkpointDueAt: at(300), idempotencyKey: null, requestFingerprint: 'f' }, 0);
const call = (service: string, s: number) => event('ToolCallLogged', { ...ref, service, action: 'x', outcome: 'success', at: at(s) }, s);
const checkedOut = (s: number) => event('MissionCheckedOut', { ...ref, summary: '', outcome: 'success', at: at(s) }, s);
const refused = (code: string, operation: string, s: number) => event('PassportUseRefused', { ...ref, operation, code, at: at(s), services: ['slack'] }, s);
const tick = (s: number) => event('ClockTicked', { at: at(s) }, s);
const checkpoint = (servicesUsed: string[], actionsCount: number, s: number) =>
  event('CheckpointRecorded', { ...ref, servicesUsed, actionsCount, summary: '', at: at(s), leashExpiresAt: at(s + 300), checkpointDueAt: at(s + 300) }, s);
const batch = (services: string[], s: number) => event('ToolCallsLogged', { ...ref, calls: services.map((service) => ({ service, action: 'x', outcome: 'success' })), at: at(s) }, s);
/** A service the tenant registered with its credential proxy. */
const serviceRegistered = (service: string) =>
  event('ServiceRegistered', { service, hosts: [`${service}.example`], internalHosts: [], presentation: { kind: 'bearer' }, secretId: `sec_${service}`, at: at(0) }, 0);
const serviceRemoved = (service: string, s: number) => event('ServiceRemoved', { service, secretId: `sec_${service}` }, s);
let callIds = 0;
/** A call the proxy made for the agent: its start, and (with `ended`) its end `latency` seconds later. */
function proxied(service: string, s: number, options: { ended?: boolean; latency?: number; approvalId?: string } = {}): RecordedEvent[] {
  const call = { ...ref, callId: `pc_${++callIds}`, service, method: 'POST', host: `${service}.example`, path: '/x', ...(options.approvalId ? { approvalId: options.approvalId } : {}) };
  const started = event('ProxiedCallStarted', { ...call, requestBytes: 2, requestDigest: 'd', at: at(s) }, s);
  if (options.ended === false) return [started];
  const end = s + (options.latency ?? 0);
  return [started, event('ProxiedCallEnded', { ...call, outcome: 'success', status: 200, code: null, latencyMs: 5, responseBytes: 2, responseDigest: 'd', masked: 0, at: at(end) }, end)];
}
const proxyRefused = (code: string, service: string, s: number) =>
  event('ProxiedCallRefused', { ...ref, callId: `pc_${++callIds}`, service, method: 'GET', host: `${service}.example`, path: '/x', code, detail: code, at: at(s) }, s);

/** given these events, then these findings (from the last event only unless `all`). */
function given(events: RecordedEvent[], settings?: DetectorSettings): Finding[][] {
  const state = initialDetectorState();
  if (settings) state.settings.set('ten_1', settings);
  return events.map((e) => detect(state, e));
}
const last = (perEvent: Finding[][]) => perEvent[perEvent.length - 1];
const all = (perEvent: Finding[][]) => perEvent.flat();

describe('scope_drift', () => {
  it('given a mission for slack, when a tool call uses github, then a critical scope_drift that revokes an enforced agent', () => {
    const [f] = last(given([registered('enforced'), issued(), call('github', 10)]));
    expect(f).toMatchObject({ signal: 'scope_drift', severity: 'critical', revoke: true, jti: 'pp_1', evidence: [`e${position}`] });
  });

  it('given a logged agent, then the same finding is raised but never revokes', () => {
    const [f] = last(given([registered('logged'), issued('logged'), call('github', 10)]));
    expect(f).toMatchObject({ signal: 'scope_drift', revoke: false, accountabilityMode: 'logged' });
  });

  it('given a standard agent, then it is recorded for audit only', () => {
    const [f] = last(given([registered('standard'), issued('standard'), call('github', 10)]));
    expect(f).toMatchObject({ signal: 'scope_drift', revoke: false, accountabilityMode: 'standard' });
  });

  it('given calls inside the mission, then nothing', () => expect(all(given([registered('enforced'), issued(), call('slack', 1), call('slack', 2)]))).toEqual([]));

  it('given a checkpoint that reports an outside service, or an intent refused as out of scope, then scope_drift', () => {
    const checkpoint = event('CheckpointRecorded', { ...ref, servicesUsed: ['slack', 'stripe'], actionsCount: 2, summary: '', at: at(60), leashExpiresAt: at(360), checkpointDueAt: at(360) }, 60);
    const intent = event('IntentRefused', { ...ref, intentId: 'int_1', reason: 'out_of_scope', service: 'stripe', missionServices: ['slack'], at: at(70) }, 70);
    const findings = all(given([registered('enforced'), issued(), checkpoint, intent]));
    expect(findings.map((f) => f.signal)).toEqual(['scope_drift', 'scope_drift']);
  });

  it('given the tenant set scope_drift to flag, then an enforced agent is flagged, not revoked', () => {
    const settings = { ...DEFAULT_DETECTOR_SETTINGS, actions: { ...DEFAULT_DETECTOR_SETTINGS.actions, scope_drift: 'flag' as const } };
    expect(last(given([registered('enforced'), issued(), call('github', 10)], settings))[0]).toMatchObject({ revoke: false, action: 'flag' });
  });

  it('given a mission for slack, when the proxy refuses a call to github as not in the mission, then a critical scope_drift that revokes an enforced agent', () => {
    const [f] = last(given([registered('enforced'), issued(), proxyRefused('PROXY_SERVICE_NOT_IN_MISSION', 'github', 10)]));
    expect(f).toMatchObject({ signal: 'scope_drift', severity: 'critical', revoke: true, evidence: [`e${position}`] });
    expect(f.detail).toContain('"github"');
  });

  it.each(['PROXY_HOST_NOT_ALLOWED', 'PROXY_SSRF_BLOCKED', 'PROXY_DENIED_BY_RULE', 'PROXY_DENIED_BY_POLICY', 'APPROVAL_REQUIRED', 'SERVICE_NOT_FOUND'])(
    'given a call to a service of the mission that the proxy refused with %s, then no scope_drift (the tenant\'s rules, not the mission\'s scope)',
    (code) => expect(last(given([registered('enforced'), issued(), proxyRefused(code, 'slack', 10)]))).toEqual([]),
  );

  it('given calls the proxy made to a service of the mission, then nothing', () =>
    expect(all(given([registered('enforced'), issued(), ...proxied('slack', 1), ...proxied('slack', 2)]))).toEqual([]));
});

describe('stolen_passport', () => {
  it('given a bound passport, when it is presented with a proof from another key, then critical, and an enforced agent loses it', () => {
    const [f] = last(given([registered('enforced'), issued(), refused('DPOP_KEY_MISMATCH', 'tool_call', 10)]));
    expect(f).toMatchObject({ signal: 'stolen_passport', severity: 'critical', revoke: true });
    expect(f.detail).toBe('the passport was presented (tool_call) with a proof from a key it is not bound to');
  });

  it('given a bound passport, when it is presented without a proof or with a replayed one, then a warning that revokes nothing by default', () => {
    const [missing] = last(given([registered('enforced'), issued(), refused('DPOP_PROOF_MISSING', 'proxy', 10)]));
    expect(missing).toMatchObject({ signal: 'stolen_passport', severity: 'warning', revoke: false });
    const [replayed] = last(given([registered('enforced'), issued(), refused('DPOP_PROOF_REPLAYED', 'checkpoint', 10)]));
    expect(replayed).toMatchObject({ signal: 'stolen_passport', severity: 'warning', revoke: false });
  });

  it('given a stale or malformed proof, or a bearer passport refused by the tenant, then nothing: they say nothing of who sent them', () => {
    expect(all(given([registered('enforced'), issued(), refused('DPOP_PROOF_STALE', 'tool_call', 10), refused('DPOP_PROOF_INVALID', 'tool_call', 11), refused('BOUND_PASSPORT_REQUIRED', 'tool_call', 12)]))).toEqual([]);
  });
});

describe('post_checkout_access', () => {
  it('given a checked-out mission, when its passport is used, then critical, and it revokes the checked-out passport', () => {
    const [f] = last(given([registered('enforced'), issued(), checkedOut(60), refused('PASSPORT_CHECKED_OUT', 'tool_call', 61)]));
    expect(f).toMatchObject({ signal: 'post_checkout_access', severity: 'critical', revoke: true });
  });

  it('given a revoked passport, when a downstream service verifies it, then critical but no second revocation', () => {
    const revoked = event('PassportRevoked', { ...ref, reason: 'x', scope: 'passport', at: at(60), tokenExpiresAt: at(300) }, 60);
    const [f] = last(given([registered('enforced'), issued(), revoked, refused('PASSPORT_REVOKED', 'verify', 61)]));
    expect(f).toMatchObject({ signal: 'post_checkout_access', revoke: false });
  });

  it('given a checked-out mission, when the agent calls through the proxy, then the refused proxy attempt is post_checkout_access like any other use', () => {
    const [f] = last(given([registered('enforced'), issued(), ...proxied('slack', 10), checkedOut(60), refused('PASSPORT_CHECKED_OUT', 'proxy', 61)]));
    expect(f).toMatchObject({ signal: 'post_checkout_access', severity: 'critical', revoke: true, evidence: [`e${position}`] });
    expect(f.detail).toBe('the passport was used (proxy) after it was checked out');
  });

  it('given a revoked passport, when the agent calls through the proxy, then post_checkout_access, with no second revocation', () => {
    const revoked = event('PassportRevoked', { ...ref, reason: 'x', scope: 'passport', at: at(60), tokenExpiresAt: at(300) }, 60);
    expect(last(given([registered('enforced'), issued(), revoked, refused('PASSPORT_REVOKED', 'proxy', 61)]))[0]).toMatchObject({ signal: 'post_checkout_access', revoke: false });
  });

  it('given an expired token, then it is not post-checkout access', () =>
    expect(last(given([registered('enforced'), issued(), refused('PASSPORT_EXPIRED', 'tool_call', 400)]))).toEqual([]));
});

describe('credential_burst (default 15 uses in 30 s)', () => {
  const calls = (n: number, every = 1) => Array.from({ length: n }, (_, i) => call('slack', 1 + i * every));

  it('given 15 calls in 30 s (at the limit), then nothing', () => expect(all(given([registered('enforced'), issued(), ...calls(15)]))).toEqual([]));

  it('given 16 calls in 30 s (over), then one warning that does not revoke by default', () => {
    const findings = all(given([registered('enforced'), issued(), ...calls(16)]));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ signal: 'credential_burst', severity: 'warning', revoke: false, threshold: { max_uses: 15, window_seconds: 30, observed: 16 } });
    expect(findings[0].evidence).toHaveLength(16);
  });

  it('given 31 calls in 30 s (twice the limit), then a warning and then one critical that revokes', () => {
    const findings = all(given([registered('enforced'), issued(), ...calls(31, 0.5)]));
    expect(findings.map((f) => [f.severity, f.revoke])).toEqual([['warning', false], ['critical', true]]);
  });

  it('given 16 calls spread over more than 30 s, then nothing (the window slides)', () => expect(all(given([registered('enforced'), issued(), ...calls(16, 2.5)]))).toEqual([]));

  it('given a tenant that revokes on warnings, then the warning revokes', () => {
    const findings = all(given([registered('enforced'), issued(), ...calls(16)], { ...DEFAULT_DETECTOR_SETTINGS, revokeOnWarning: true }));
    expect(findings[0]).toMatchObject({ severity: 'warning', revoke: true });
  });

  it('given 16 calls the proxy started in 30 s, then one warning whose evidence is the 16 starts (their ends are not uses again)', () => {
    const history = [registered('enforced'), issued(), ...Array.from({ length: 16 }, (_, i) => proxied('slack', 1 + i)).flat()];
    const findings = all(given(history));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ signal: 'credential_burst', severity: 'warning', threshold: { observed: 16 } });
    const starts = history.filter((e) => e.type === 'ProxiedCallStarted').map((e) => e.id);
    expect(findings[0].evidence).toEqual(starts);
  });

  it('given 15 proxied calls and then one the proxy refused, in 30 s, then the refused attempt is the 16th use (as a refused intent is)', () => {
    const history = [registered('enforced'), issued(), ...Array.from({ length: 15 }, (_, i) => proxied('slack', 1 + i)).flat(), proxyRefused('PROXY_HOST_NOT_ALLOWED', 'slack', 20)];
    expect(last(given(history))[0]).toMatchObject({ signal: 'credential_burst', threshold: { observed: 16 } });
  });

  it('given 31 proxied calls in 15 s, then a warning and then a critical finding that revokes an enforced agent', () => {
    const findings = all(given([registered('enforced'), issued(), ...Array.from({ length: 31 }, (_, i) => proxied('slack', 1 + i * 0.5)).flat()]));
    expect(findings.map((f) => [f.signal, f.severity, f.revoke])).toEqual([['credential_burst', 'warning', false], ['credential_burst', 'critical', true]]);
  });

  it('given a batch of 20 calls in one event, then it counts as 20 uses', () => {
    const batch = event('ToolCallsLogged', { ...ref, calls: Array.from({ length: 20 }, () => ({ service: 'slack', action: 'x', outcome: 'unknown' })), at: at(5) }, 5);
    expect(last(given([registered('enforced'), issued(), batch]))[0]).toMatchObject({ signal: 'credential_burst', threshold: { observed: 20 } });
  });
});

describe('checkpoint_silence (time comes from ClockTicked events)', () => {
  it('given no checkpoint by the deadline, when a tick passes it, then one warning, raised once', () => {
    const findings = given([registered('logged'), issued('logged'), tick(299), tick(300), tick(305)]);
    expect(findings.slice(2).map((f) => f.length)).toEqual([0, 1, 0]);
    expect(findings[3][0]).toMatchObject({ signal: 'checkpoint_silence', severity: 'warning', revoke: false });
  });

  it('given a checkpoint before the deadline, then the next deadline counts', () => {
    const checkpoint = event('CheckpointRecorded', { ...ref, servicesUsed: ['slack'], actionsCount: 1, summary: '', at: at(200), leashExpiresAt: at(500), checkpointDueAt: at(500) }, 200);
    const findings = given([registered('logged'), issued('logged'), checkpoint, tick(300), tick(501)]);
    expect(findings.slice(3).map((f) => f.length)).toEqual([0, 1]);
  });

  it('given a standard agent, a checked-out mission, or an expired one, then no silence', () => {
    expect(all(given([registered('standard'), issued('standard'), tick(301)]))).toEqual([]);
    expect(all(given([registered('logged'), issued('logged'), checkedOut(100), tick(301)]))).toEqual([]);
    expect(all(given([registered('logged'), issued('logged'), tick(901)]))).toEqual([]);
  });
});

describe('intent_mismatch', () => {
  const refusedApproval = (reason: string, s: number) =>
    event('ApprovalRefused', { ...ref, intentId: 'int_1', approvalId: 'apr_1', presentedBy: 'pp_1', reason, mismatched: reason === 'call_mismatch' ? ['body'] : [], at: at(s) }, s);

  it('given a call that differs from the approved one, then critical', () =>
    expect(last(given([registered('enforced'), issued('enforced', ['stripe']), refusedApproval('call_mismatch', 10)]))[0]).toMatchObject({ signal: 'intent_mismatch', severity: 'critical', revoke: true }));

  it('given a replayed approval, then critical', () =>
    expect(last(given([registered('enforced'), issued(), refusedApproval('consumed', 10)]))[0]).toMatchObject({ signal: 'intent_mismatch' }));

  it('given an approval spent on a proxied call, when the agent presents it to the proxy again, then the gate\'s refusal is an intent_mismatch like any other', () => {
    const consumed = event('ApprovalConsumed', { ...ref, intentId: 'int_1', approvalId: 'apr_1', call: { service: 'stripe', method: 'POST' }, at: at(10) }, 10);
    const history = [registered('enforced'), issued('enforced', ['stripe']), consumed, ...proxied('stripe', 10, { approvalId: 'apr_1' }), refusedApproval('consumed', 20)];
    const findings = given(history);
    expect(findings.slice(0, -1).flat()).toEqual([]);
    expect(last(findings)[0]).toMatchObject({ signal: 'intent_mismatch', severity: 'critical', revoke: true, detail: 'an approval was replayed' });
  });

  it('given an approval refused only because it is still pending, then nothing', () =>
    expect(last(given([registered('enforced'), issued(), refusedApproval('pending', 10)]))).toEqual([]));
});

describe('unreported_calls: what the agent reported leaves out calls the proxy made for it', () => {
  /** An enforced agent on a slack and stripe mission, with slack registered with the tenant's proxy. */
  const mission = (mode = 'enforced') => [registered(mode), serviceRegistered('slack'), issued(mode, ['slack', 'stripe'])];
  const unreported = (findings: Finding[]) => findings.filter((f) => f.signal === 'unreported_calls');

  describe('(a) a checkpoint that leaves out a service called through the proxy since the previous checkpoint', () => {
    it('given a proxied slack call answered before the checkpoint, when services_used leaves slack out, then a warning, flagged, with the answer and the checkpoint as evidence', () => {
      const calls = proxied('slack', 10);
      const [f] = last(given([...mission(), ...calls, checkpoint(['stripe'], 1, 20)]));
      expect(f).toMatchObject({ signal: 'unreported_calls', severity: 'warning', action: 'flag', revoke: false, evidence: [calls[1].id, `e${position}`] });
      expect(f.detail).toBe('a checkpoint\'s services_used leaves out "slack", called through the proxy since the previous checkpoint');
    });

    it('given the checkpoint names slack, then nothing', () => expect(all(given([...mission(), ...proxied('slack', 10), checkpoint(['slack'], 1, 20)]))).toEqual([]));

    it('given a call still in flight at the checkpoint, then nothing; answered after it, then the next checkpoint must name it', () => {
      const [started, ended] = proxied('slack', 10, { latency: 15 });
      const findings = given([...mission(), started, checkpoint([], 0, 20), ended, checkpoint([], 0, 40)]);
      expect(findings.slice(0, -1).flat()).toEqual([]);
      expect(last(findings)[0]).toMatchObject({ signal: 'unreported_calls', evidence: [ended.id, `e${position}`] });
    });

    it('given a call that a checkpoint named, then a later checkpoint with no call since need not name it again', () =>
      expect(all(given([...mission(), ...proxied('slack', 10), checkpoint(['slack'], 1, 20), checkpoint([], 0, 40)]))).toEqual([]));

    it('given two checkpoints that each leave a call out, then one finding: raised once per mission', () => {
      const findings = all(given([...mission(), ...proxied('slack', 10), checkpoint([], 0, 20), ...proxied('slack', 30), checkpoint([], 0, 40)]));
      expect(unreported(findings)).toHaveLength(1);
    });

    it('given a checkpoint naming services the proxy never saw, then nothing either way', () =>
      expect(all(given([...mission(), checkpoint(['slack', 'stripe'], 7, 20)]))).toEqual([]));
  });

  describe('(b) at checkout, an agent that logs tool calls logged fewer calls of a service than the proxy made', () => {
    it('given three proxied slack calls and one logged, when the agent checks out, then a warning naming slack and the counts, with the last start and the checkout as evidence', () => {
      const calls = [...proxied('slack', 10), ...proxied('slack', 11), ...proxied('slack', 12)];
      const [f] = last(given([...mission(), ...calls, call('slack', 13), checkpoint(['slack'], 3, 14), checkedOut(20)]));
      expect(f).toMatchObject({ signal: 'unreported_calls', severity: 'warning', evidence: [calls[4].id, `e${position}`] });
      expect(f.detail).toBe('the agent\'s tool-call log leaves out calls it made through the proxy: "slack" 3 calls observed, 1 logged');
    });

    it('given every proxied call logged, one alone and two in a batch, some before the call was made, then nothing', () =>
      expect(all(given([...mission(), call('slack', 5), ...proxied('slack', 10), ...proxied('slack', 11), ...proxied('slack', 12), batch(['slack', 'slack'], 13), checkedOut(20)]))).toEqual([]));

    it('given calls logged to a service the proxy does not serve, then they excuse nothing: the finding names slack alone', () => {
      const [f] = last(given([...mission(), ...proxied('slack', 10), ...proxied('slack', 11), batch(['stripe', 'stripe', 'stripe'], 12), call('slack', 13), checkedOut(20)]));
      expect(f.detail).toBe('the agent\'s tool-call log leaves out calls it made through the proxy: "slack" 2 calls observed, 1 logged');
    });

    it('given calls logged to services the proxy never saw for the mission, and no proxied call, then nothing either way', () =>
      expect(all(given([...mission(), call('slack', 10), batch(['stripe', 'slack'], 11), checkedOut(20)]))).toEqual([]));

    it('given slack calls logged before slack was registered with the proxy, then they are not of proxied calls and do not count', () => {
      const history = [registered('enforced'), serviceRegistered('stripe'), issued('enforced', ['slack', 'stripe']), call('slack', 5), serviceRegistered('slack'), ...proxied('slack', 10), checkedOut(20)];
      expect(last(given(history))[0].detail).toContain('"slack" 1 call observed, 0 logged');
    });

    it('given slack removed from the proxy, then calls logged afterwards do not count either', () => {
      const history = [...mission(), ...proxied('slack', 10), serviceRemoved('slack', 11), call('slack', 12), checkedOut(20)];
      expect(last(given(history))[0].detail).toContain('"slack" 1 call observed, 0 logged');
    });

    it('given a call whose end never came (outcome unknown), then it counts: the proxy may have sent it', () =>
      expect(last(given([...mission(), ...proxied('slack', 10, { ended: false }), call('stripe', 11), checkedOut(20)]))[0].detail).toContain('"slack" 1 call observed, 0 logged'));
  });

  describe('(c) at checkout, an agent that logs no tool call counted fewer actions in its checkpoints than the proxy made calls', () => {
    const threeCalls = () => [...proxied('slack', 10), ...proxied('slack', 11), ...proxied('slack', 12)];

    it('given three proxied calls and checkpoints that counted one action in all, then a warning with the counts', () => {
      const [f] = last(given([...mission(), ...threeCalls(), checkpoint(['slack'], 1, 13), checkedOut(20)]));
      expect(f).toMatchObject({ signal: 'unreported_calls', severity: 'warning' });
      expect(f.detail).toBe('the agent logged no tool call and its checkpoints counted 1 action in all; the proxy started 3 calls for it ("slack")');
    });

    it('given no checkpoint at all, then the same: nothing reported is fewer than three calls', () =>
      expect(last(given([...mission(), ...threeCalls(), checkedOut(20)]))[0].detail).toContain('counted 0 actions in all; the proxy started 3 calls'));

    it('given checkpoints that counted 2 and 1 (their sum is what counts), then nothing', () =>
      expect(all(given([...mission(), ...proxied('slack', 10), ...proxied('slack', 11), checkpoint(['slack'], 2, 12), ...proxied('slack', 13), checkpoint(['slack'], 1, 14), checkedOut(20)]))).toEqual([]));

    it('given a mission that never used the proxy and reported nothing, then nothing', () =>
      expect(all(given([...mission(), checkedOut(20)]))).toEqual([]));
  });

  describe('what is done about it', () => {
    it('given a standard agent, then the finding is recorded for audit, never revoking', () =>
      expect(last(given([...mission('standard'), ...proxied('slack', 10), checkedOut(20)]))[0]).toMatchObject({ signal: 'unreported_calls', accountabilityMode: 'standard', revoke: false }));

    it('given a tenant that revokes on it and on warnings, then an enforced agent\'s omitting checkpoint revokes its passport', () => {
      const settings: DetectorSettings = { ...DEFAULT_DETECTOR_SETTINGS, actions: { ...DEFAULT_DETECTOR_SETTINGS.actions, unreported_calls: 'revoke' }, revokeOnWarning: true };
      expect(last(given([...mission(), ...proxied('slack', 10), checkpoint([], 0, 20)], settings))[0]).toMatchObject({ signal: 'unreported_calls', action: 'revoke', revoke: true });
    });

    it('given settings a tenant stored before the signal existed, then it is flagged (its default) and the settings read with it', () => {
      const { unreported_calls: _left, ...before } = DEFAULT_DETECTOR_SETTINGS.actions;
      const stored = { burst: { maxUses: 15, windowSeconds: 30 }, actions: { ...before, scope_drift: 'flag' }, revokeOnWarning: true };
      const changed = event('DetectorSettingsChanged', { settings: stored }, 0);
      expect(last(given([changed, ...mission(), ...proxied('slack', 10), checkpoint([], 0, 20)]))[0]).toMatchObject({ action: 'flag', revoke: false });
      const read = detectorSettingsDecider.evolve(DEFAULT_DETECTOR_SETTINGS, { type: 'DetectorSettingsChanged', data: { settings: stored as DetectorSettings } });
      expect(read.actions).toEqual({ ...stored.actions, unreported_calls: 'flag' });
    });
  });
});

describe('modes follow the agent', () => {
  it('given an agent moved from logged to enforced after its passport was issued, then its findings revoke', () => {
    const changed = event('AccountabilityModeChanged', { agentId: 'agt_1', from: 'logged', to: 'enforced' }, 5);
    expect(last(given([registered('logged'), issued('logged'), changed, call('github', 10)]))[0]).toMatchObject({ revoke: true, accountabilityMode: 'enforced' });
  });
});

describe('memory: missions are forgotten a day after their passport could last be accepted', () => {
  it('given a revoked mission that expired more than a day before 1,000 new passports, then its later use raises nothing; a fresh one still does', () => {
    const revokedEarly = event('PassportRevoked', { ...ref, reason: 'x', scope: 'passport', at: at(60), tokenExpiresAt: at(300) }, 60);
    const others = Array.from({ length: 1000 }, (_, i) =>
      event('PassportIssued', { missionId: `msn_o${i}`, jti: `pp_o${i}`, agentId: 'agt_1', tenantId: 'ten_1', accountabilityMode: 'enforced', intent: { summary: 's', services: ['slack'] }, ttlSeconds: 900, checkpointIntervalSeconds: 300, issuedAt: at(90_000), expiresAt: at(90_900), leashExpiresAt: at(90_300), checkpointDueAt: at(90_300), idempotencyKey: null, requestFingerprint: 'f' }, 90_000));
    const lateUse = refused('PASSPORT_REVOKED', 'verify', 90_001);
    const freshUse = event('PassportUseRefused', { missionId: 'msn_o0', jti: 'pp_o0', agentId: 'agt_1', operation: 'verify', code: 'PASSPORT_REVOKED', at: at(90_002), services: [] }, 90_002);
    const findings = given([registered('enforced'), issued(), revokedEarly, ...others, lateUse, freshUse]);
    expect(findings[findings.length - 2]).toEqual([]);
    expect(findings[findings.length - 1][0]).toMatchObject({ signal: 'post_checkout_access', jti: 'pp_o0' });
  });
});

describe('memory: a mission keeps a ledger of calls only while it runs and only for services the proxy serves', () => {
  it('given a mission whose agent logs calls to services the tenant never registered with the proxy, then no ledger; one that uses the proxy drops it at checkout', () => {
    const state = initialDetectorState();
    [registered('enforced'), issued(), call('slack', 1), batch(['slack', 'slack'], 2)].forEach((e) => detect(state, e));
    expect(state.missions.get('msn_1')!.calls).toBeNull();
    [serviceRegistered('slack'), ...proxied('slack', 3), call('slack', 4)].forEach((e) => detect(state, e));
    expect(state.missions.get('msn_1')!.calls!.services.get('slack')).toMatchObject({ observed: 1, logged: 1 });
    detect(state, checkedOut(5));
    expect(state.missions.get('msn_1')!.calls).toBeNull();
  });
});

describe('replay', () => {
  it('given the same history twice, then the same findings in the same places', () => {
    const history = [registered('enforced'), issued(), ...Array.from({ length: 40 }, (_, i) => call(i % 7 === 0 ? 'github' : 'slack', i * 0.5)), checkedOut(30), refused('PASSPORT_CHECKED_OUT', 'verify', 31), tick(400)];
    const first = replay(history);
    expect(first.length).toBeGreaterThan(3);
    expect(replay(history)).toEqual(first);
  });

  it('given a history with proxied calls, omitting checkpoints and a short checkout, then a replay at another wall-clock time raises the same findings in the same places', () => {
    const history = [
      registered('enforced'), serviceRegistered('slack'), issued('enforced', ['slack', 'stripe']),
      ...Array.from({ length: 18 }, (_, i) => proxied('slack', 1 + i, { latency: 0.5 })).flat(),
      proxyRefused('PROXY_SERVICE_NOT_IN_MISSION', 'github', 20), checkpoint(['stripe'], 2, 21), call('slack', 22), ...proxied('slack', 23), checkedOut(30),
      refused('PASSPORT_CHECKED_OUT', 'proxy', 31),
    ];
    const live = given(history);
    const signals = live.flat().map((f) => f.signal);
    expect(signals).toEqual(['credential_burst', 'scope_drift', 'unreported_calls', 'unreported_calls', 'post_checkout_access']);
    jest.useFakeTimers().setSystemTime(new Date('2031-06-01T00:00:00.000Z'));
    try {
      expect(replay(history)).toEqual(live.flat());
    } finally {
      jest.useRealTimers();
    }
  });
});
