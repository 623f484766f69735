'use strict';
// A realistic, reproducible in-memory history for the detector scenarios (bench/detector-worker.js): tenants, agents
// in the three accountability modes, and a steady flow of missions, each a sequence of the events the server records
// (shapes from libs/missions/src/mission.ts and libs/intents/src/intent.ts). A fixed number of missions run at once;
// when one ends the next starts. Besides what the agents and operators do, the history holds what the live detector
// runner (apps/detector/src/runner/detector-runner.ts) would have appended: a SecurityEventRaised for every finding
// (same derived id, same data), a PassportRevoked by the detector for each finding that revokes (unless the passport
// is already revoked: the decider appends nothing then), and a ClockTicked whenever some mission's checkpoint
// deadline has passed (checked every `tick_check_s` of simulated time). So a replay of this history must come out
// identical, exactly like a replay of a server's store.
//
// Mix per mission (seeded PRNG, so every run generates the same history):
//   - ~100 events (80-120): in-scope ToolCallLogged, ~12% ToolCallsLogged batches of 2-5 calls, a CheckpointRecorded every
//     ~15 uses (none for the `silent` missions, which later draw checkpoint_silence), 2-10 s apart;
//   - 3% make one call outside their services (scope_drift), 2% send a burst of batches (credential_burst);
//   - 10% submit an intent that is auto-approved and consumed; 2% of missions also get an ApprovalRefused
//     (call_mismatch or a replayed approval: intent_mismatch);
//   - 85% check out at the end; 4% of those then use the passport again (PassportUseRefused PASSPORT_CHECKED_OUT);
//   - 3% are revoked by an operator half-way; half of those are verified afterwards (PassportUseRefused PASSPORT_REVOKED);
//   - the others run until their script ends without checking out.
// A mission the detector revoked (enforced agent) stops; half the time its agent tries once more (PassportUseRefused).

const path = require('path');
const { randomUUID } = require('crypto');

const detectors = require(path.join(__dirname, '..', 'dist', 'libs', 'detectors', 'src'));
const { detect, initialDetectorState, findingId, findingData, silenceDue, DEFAULT_DETECTOR_SETTINGS } = detectors;

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const SERVICES = ['slack', 'github', 'jira', 'stripe', 'gmail', 'notion'];
const ACTIONS = {
  slack: ['chat.postMessage', 'conversations.history'],
  github: ['issues.create', 'pulls.get', 'repos.get'],
  jira: ['issue.create', 'issue.transition'],
  stripe: ['refunds.create', 'charges.retrieve'],
  gmail: ['messages.send', 'messages.list'],
  notion: ['pages.update', 'databases.query'],
};
const MODES = ['enforced', 'logged', 'standard'];

/** mulberry32: small, fast, seeded. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms) => new Date(ms).toISOString();

/**
 * Options: { missions, tenants, agents_per_tenant, events_per_mission, concurrent, tick_check_s, seed }.
 * Returns { events: RecordedEvent[], stats }.
 */
function generateHistory(options = {}) {
  const o = { missions: 2000, tenants: 4, agents_per_tenant: 8, events_per_mission: 100, concurrent: 100, tick_check_s: 15, seed: 42, ...options };
  const random = prng(o.seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const chance = (p) => random() < p;
  const between = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

  const events = [];
  const versions = new Map();
  const state = initialDetectorState(); // the live runner's view, to record what it would have recorded
  const stats = { findings: 0, detector_revocations: 0, by_type: {}, by_signal: {} };
  const revoked = new Set();
  const missionsById = new Map();
  let now = T0;

  const emit = (streamId, type, tenantId, actor, data, { causationId = null, correlationId = null, at = now } = {}) => {
    const streamVersion = (versions.get(streamId) || 0) + 1;
    versions.set(streamId, streamVersion);
    const event = {
      id: randomUUID(),
      type,
      schemaVersion: 1,
      streamId,
      streamVersion,
      position: events.length + 1,
      tenantId,
      occurredAt: iso(at),
      actor,
      causationId,
      correlationId: correlationId || randomUUID(),
      data,
    };
    events.push(event);
    stats.by_type[type] = (stats.by_type[type] || 0) + 1;
    // What the live runner does with it: record each finding, revoke where it says so.
    const findings = detect(state, event);
    findings.forEach((finding, index) => {
      const id = findingId(finding, index);
      stats.findings++;
      stats.by_signal[finding.signal] = (stats.by_signal[finding.signal] || 0) + 1;
      const detector = { kind: 'detector', id: finding.signal };
      const raised = {
        id,
        type: 'SecurityEventRaised',
        schemaVersion: 1,
        streamId: `security-${finding.tenantId}`,
        streamVersion: (versions.get(`security-${finding.tenantId}`) || 0) + 1,
        position: events.length + 1,
        tenantId: finding.tenantId,
        occurredAt: event.occurredAt,
        actor: detector,
        causationId: event.id,
        correlationId: event.correlationId,
        data: findingData(finding),
      };
      versions.set(raised.streamId, raised.streamVersion);
      events.push(raised);
      stats.by_type.SecurityEventRaised = (stats.by_type.SecurityEventRaised || 0) + 1;
      detect(state, raised);
      if (finding.revoke && !revoked.has(finding.missionId)) {
        revoked.add(finding.missionId);
        stats.detector_revocations++;
        const m = missionsById.get(finding.missionId);
        emit(`mission-${finding.missionId}`, 'PassportRevoked', finding.tenantId, detector, {
          ...m.ref, reason: `detector ${finding.signal}: ${finding.detail}`, scope: 'passport', at: iso(now), tokenExpiresAt: m.leashExpiresAt,
        }, { causationId: id, correlationId: event.correlationId });
      }
    });
    return event;
  };

  // Tenants and agents.
  const tenants = [];
  for (let t = 0; t < o.tenants; t++) {
    const tenantId = `ten_bench${t}`;
    const operator = { kind: 'operator', id: `key_bench${t}` };
    const agents = [];
    for (let a = 0; a < o.agents_per_tenant; a++) {
      const agentId = `agt_bench${t}_${a}`;
      const mode = MODES[(t + a) % MODES.length];
      emit(`agent-${agentId}`, 'AgentRegistered', tenantId, operator, { agentId, tenantId, name: `bench agent ${a}`, description: 'bench', accountabilityMode: mode, registeredAt: iso(now) });
      agents.push({ agentId, mode });
    }
    tenants.push({ tenantId, operator, agents });
  }
  // One tenant tuned its detectors: a wider burst window and silence only observed.
  const tuned = tenants[tenants.length - 1];
  emit(`detectors-${tuned.tenantId}`, 'DetectorSettingsChanged', tuned.tenantId, tuned.operator, {
    settings: { ...DEFAULT_DETECTOR_SETTINGS, burst: { maxUses: 30, windowSeconds: 60 }, actions: { ...DEFAULT_DETECTOR_SETTINGS.actions, checkpoint_silence: 'observe' } },
  });

  let started = 0;
  const startMission = () => {
    const n = started++;
    const tenant = tenants[n % tenants.length];
    const agent = tenant.agents[Math.floor(n / tenants.length) % tenant.agents.length];
    const services = [...new Set([pick(SERVICES), pick(SERVICES), pick(SERVICES)].slice(0, between(1, 3)))];
    const suffix = `${n.toString(36)}${randomUUID().slice(0, 8)}`;
    const missionId = `msn_${suffix}`;
    const jti = `pp_${suffix}`;
    const ref = { missionId, jti, agentId: agent.agentId };
    const ttl = 900;
    const interval = 300;
    const expiresAt = iso(now + ttl * 1000);
    const leashExpiresAt = agent.mode === 'enforced' ? iso(now + interval * 1000) : expiresAt;
    const m = {
      tenant, agent, services, ref, stream: `mission-${missionId}`, expiresAt, leashExpiresAt, interval,
      remaining: Math.round(o.events_per_mission * (0.8 + 0.4 * random())),
      usesSinceCheckpoint: 0,
      silent: chance(0.08),
      outOfScopeAt: chance(0.03) ? between(5, 60) : -1,
      burstAt: chance(0.02) ? between(5, 60) : -1,
      intentAt: chance(0.1) ? between(5, 60) : -1,
      refusedApproval: chance(0.02),
      operatorRevokeAt: chance(0.03) ? between(20, 50) : -1,
      checkout: chance(0.85),
      reuseAfterClose: chance(0.04),
      step: 0,
      nextAt: now + between(1, 7) * 1000,
      used: new Set(),
      done: false,
    };
    missionsById.set(missionId, m);
    emit(m.stream, 'PassportIssued', tenant.tenantId, tenant.operator, {
      ...ref, tenantId: tenant.tenantId, accountabilityMode: agent.mode, intent: { summary: `bench mission ${n}`, services },
      ttlSeconds: ttl, checkpointIntervalSeconds: interval, issuedAt: iso(now), expiresAt, leashExpiresAt, checkpointDueAt: iso(now + interval * 1000),
      idempotencyKey: null, requestFingerprint: randomUUID(),
    });
    return m;
  };

  const passport = (m) => ({ kind: 'passport', id: m.ref.jti });
  const call = (service) => ({ service, action: pick(ACTIONS[service]), target: `bench-${between(0, 9)}`, outcome: chance(0.95) ? 'success' : 'failure' });
  const refusedUse = (m, code, operation) =>
    emit(m.stream, 'PassportUseRefused', m.tenant.tenantId, passport(m), { ...m.ref, operation, code, at: iso(now), services: operation === 'verify' ? [] : [m.services[0]] });

  const intent = (m, refused) => {
    const intentId = `int_${randomUUID().replace(/-/g, '').slice(0, 22)}`;
    const approvalId = `apr_${intentId.slice(4)}`;
    const stream = `intent-${intentId}`;
    const service = m.services[0];
    const ir = { intentId, ...m.ref };
    const shape = { service, method: 'POST', url: `https://api.${service}.example/v1/thing`, bodyHash: randomUUID() };
    const correlationId = randomUUID();
    emit(stream, 'IntentSubmitted', m.tenant.tenantId, passport(m), {
      ...ir, namedIntent: `${service}:thing:create`, service, action: 'POST /v1/thing', call: shape, amount: { value: 42, currency: 'EUR' }, reason: 'bench',
      authorizationDetails: [], accountabilityMode: m.agent.mode, submittedAt: iso(now), expiresAt: iso(now + 600_000), approvalTtlSeconds: 300,
    }, { correlationId });
    emit(stream, 'IntentAutoApproved', m.tenant.tenantId, { kind: 'policy', id: 'bench auto' }, { ...ir, approvalId, rule: 'bench auto', approvalExpiresAt: iso(now + 300_000), at: iso(now) }, { correlationId });
    emit(stream, 'ApprovalConsumed', m.tenant.tenantId, passport(m), { ...ir, approvalId, call: shape, at: iso(now) }, { correlationId });
    if (refused) {
      const mismatch = chance(0.5);
      emit(stream, 'ApprovalRefused', m.tenant.tenantId, passport(m), {
        ...ir, approvalId, presentedBy: m.ref.jti, reason: mismatch ? 'call_mismatch' : 'consumed', mismatched: mismatch ? ['url'] : [], at: iso(now),
      }, { correlationId });
    }
  };

  /** One step of a mission's script; marks it done at the end. */
  const stepMission = (m) => {
    const closedByDetector = revoked.has(m.ref.missionId);
    if (closedByDetector) {
      if (m.reuseAfterClose || chance(0.5)) refusedUse(m, 'PASSPORT_REVOKED', 'tool_call');
      m.done = true;
      return;
    }
    m.step++;
    const tenantId = m.tenant.tenantId;
    if (m.step === m.operatorRevokeAt) {
      revoked.add(m.ref.missionId);
      emit(m.stream, 'PassportRevoked', tenantId, m.tenant.operator, { ...m.ref, reason: 'bench: operator revoked', scope: 'passport', at: iso(now), tokenExpiresAt: m.leashExpiresAt });
      if (chance(0.5)) refusedUse(m, 'PASSPORT_REVOKED', 'verify');
      m.done = true;
      return;
    }
    if (m.step >= m.remaining) {
      if (m.checkout) {
        emit(m.stream, 'MissionCheckedOut', tenantId, passport(m), { ...m.ref, summary: 'done', outcome: chance(0.9) ? 'success' : 'failure', at: iso(now) });
        if (m.reuseAfterClose) refusedUse(m, 'PASSPORT_CHECKED_OUT', 'tool_call');
      }
      m.done = true;
      return;
    }
    if (m.step === m.intentAt) return intent(m, m.refusedApproval);
    if (m.step === m.outOfScopeAt) {
      const outside = SERVICES.filter((s) => !m.services.includes(s));
      emit(m.stream, 'ToolCallLogged', tenantId, passport(m), { ...m.ref, ...call(pick(outside)), at: iso(now) });
      return;
    }
    if (m.step >= m.burstAt && m.step < m.burstAt + 4 && m.burstAt >= 0) {
      const calls = Array.from({ length: 12 }, () => call(pick(m.services)));
      calls.forEach((c) => m.used.add(c.service));
      m.usesSinceCheckpoint += calls.length;
      emit(m.stream, 'ToolCallsLogged', tenantId, passport(m), { ...m.ref, calls, at: iso(now) });
      return;
    }
    if (!m.silent && m.usesSinceCheckpoint >= 15) {
      m.usesSinceCheckpoint = 0;
      const leashExpiresAt = m.agent.mode === 'enforced' ? iso(Math.min(now + m.interval * 1000, Date.parse(m.expiresAt))) : m.expiresAt;
      m.leashExpiresAt = leashExpiresAt;
      emit(m.stream, 'CheckpointRecorded', tenantId, passport(m), {
        ...m.ref, servicesUsed: [...m.used], actionsCount: m.used.size, summary: 'progress', at: iso(now), leashExpiresAt, checkpointDueAt: iso(now + m.interval * 1000),
      });
      return;
    }
    if (chance(0.12)) {
      const calls = Array.from({ length: between(2, 5) }, () => call(pick(m.services)));
      calls.forEach((c) => m.used.add(c.service));
      m.usesSinceCheckpoint += calls.length;
      emit(m.stream, 'ToolCallsLogged', tenantId, passport(m), { ...m.ref, calls, at: iso(now) });
      return;
    }
    const c = call(pick(m.services));
    m.used.add(c.service);
    m.usesSinceCheckpoint++;
    emit(m.stream, 'ToolCallLogged', tenantId, passport(m), { ...m.ref, ...c, at: iso(now) });
  };

  const active = [];
  while (active.length < Math.min(o.concurrent, o.missions)) active.push(startMission());
  let nextTickCheck = now + o.tick_check_s * 1000;
  while (active.length > 0) {
    // The mission whose next step is due first.
    let k = 0;
    for (let i = 1; i < active.length; i++) if (active[i].nextAt < active[k].nextAt) k = i;
    const m = active[k];
    while (nextTickCheck <= m.nextAt) {
      now = nextTickCheck;
      nextTickCheck += o.tick_check_s * 1000;
      if (silenceDue(state, iso(now))) emit('clock', 'ClockTicked', '_system', { kind: 'system', id: 'clock' }, { at: iso(now) });
    }
    now = Math.max(now, m.nextAt);
    stepMission(m);
    // Bursts come in fast; the rest of a mission's steps are 2-10 s apart.
    m.nextAt = now + (m.burstAt >= 0 && m.step >= m.burstAt && m.step < m.burstAt + 4 ? 200 : between(2000, 10000));
    if (m.done) {
      active.splice(k, 1);
      if (started < o.missions) active.push(startMission());
    }
  }

  return {
    events,
    stats: {
      events: events.length,
      missions: started,
      tenants: o.tenants,
      agents: o.tenants * o.agents_per_tenant,
      simulated_seconds: Math.round((now - T0) / 1000),
      ...stats,
      options: o,
    },
  };
}

module.exports = { generateHistory, prng, T0 };
