import { RecordedEvent } from '@mandate/core';
import { AccountabilityMode } from '@mandate/agents';
import { isMandateEvent, RecordedEventOf, RecordedMandateEvent } from '@mandate/events';
import { BurstThreshold, DEFAULT_DETECTOR_SETTINGS, DetectorSettings, Severity, Signal, SignalAction, withEverySignal } from './signals';

export interface Finding {
  signal: Signal;
  severity: Severity;
  tenantId: string;
  agentId: string;
  jti: string;
  missionId: string;
  /** The events that show it, by id: the one that tipped it last. */
  evidence: string[];
  threshold: BurstThreshold | null;
  detail: string;
  /** The event whose handling raised it: a replay raises the same finding at the same place. */
  raisedBy: { eventId: string; position: number };
  /** Revoke only for an enforced agent, a revoke action, and a critical finding (or a warning where the tenant says so). */
  revoke: boolean;
  action: SignalAction;
  accountabilityMode: AccountabilityMode;
}

interface MissionWatch {
  tenantId: string;
  agentId: string;
  jti: string;
  missionId: string;
  services: readonly string[];
  mode: AccountabilityMode;
  /** Epoch milliseconds: numbers, not ISO strings, because a detector watches every open mission (memory). */
  checkpointDueAt: number;
  expiresAt: number;
  closed: 'checked_out' | 'revoked' | null;
  /** Recent uses (tool calls, checkpoints, intents, approvals), one entry per event, oldest first from `usesHead`. */
  recentUses: Array<{ at: number; count: number; eventId: string }>;
  usesHead: number;
  usesInWindow: number;
  burstLevel: Severity | null;
  silenceRaisedFor: number | null;
  /** Whether the agent logged any tool call in this mission: one that logs its calls is held to a count per service. */
  toolCallsLogged: boolean;
  /** The sum of the actions its checkpoints counted. */
  actionsCounted: number;
  /** What the proxy saw beside what the agent logged; null until one of the two concerns a service the proxy serves. */
  calls: CallLedger | null;
}

/**
 * The calls of one mission, per service the proxy can call: kept only for such services (so a mission that never
 * goes near the proxy costs three fields), and dropped when the mission ends.
 */
interface CallLedger {
  services: Map<string, ServiceCalls>;
  /** unreported_calls raises a checkpoint's omission once per mission. */
  omissionRaised: boolean;
}

interface ServiceCalls {
  /** ProxiedCallStarted: calls the proxy made (or may have made) for the agent. */
  observed: number;
  /** Calls the agent logged for the service while the proxy could call it. */
  logged: number;
  /** The last start, as evidence. */
  lastStarted: string | null;
  /** The last call answered (ProxiedCallEnded) since the mission's last checkpoint: the agent knew of it when it checkpointed. */
  answeredSinceCheckpoint: string | null;
}

export interface DetectorState {
  missions: Map<string, MissionWatch>;
  /** Values many missions share (tenants, agents, modes, service lists), kept once. */
  interned: Map<string, string>;
  servicesLists: Map<string, readonly string[]>;
  issuedSinceSweep: number;
  agentModes: Map<string, AccountabilityMode>;
  settings: Map<string, DetectorSettings>;
  /** Per tenant, the services registered with its credential proxy: the only ones a proxied call can name. */
  proxiedServices: Map<string, Set<string>>;
}

export const initialDetectorState = (): DetectorState => ({
  missions: new Map(),
  interned: new Map(),
  servicesLists: new Map(),
  issuedSinceSweep: 0,
  agentModes: new Map(),
  settings: new Map(),
  proxiedServices: new Map(),
});

function intern<V extends string>(state: DetectorState, value: V): V {
  const known = state.interned.get(value);
  // The copy already held is equal to `value`, so it has its type too.
  if (known !== undefined) return known as V;
  state.interned.set(value, value);
  return value;
}

function servicesList(state: DetectorState, services: string[]): readonly string[] {
  const key = services.join('\u0000');
  let list = state.servicesLists.get(key);
  if (!list) state.servicesLists.set(key, (list = Object.freeze(services.map((s) => intern(state, s)))));
  return list;
}

/** A passport is forgotten this long after it could last have been accepted: no finding about it can follow. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;
const SWEEP_EVERY_ISSUES = 1000;
const MAX_EVIDENCE = 100;

/** Drops missions whose tokens expired a day ago, judged by event time so that a replay forgets at the same places. */
function forgetOld(state: DetectorState, now: string): void {
  const cutoff = Date.parse(now) - FORGET_AFTER_MS;
  for (const [id, m] of state.missions) if (m.expiresAt < cutoff) state.missions.delete(id);
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** What the mission detectors weigh: uses of the passport, the calls the proxy made with it, its end, and what it was refused. */
type MissionFact = RecordedEventOf<
  | 'CheckpointRecorded' | 'ToolCallLogged' | 'ToolCallsLogged' | 'IntentSubmitted' | 'IntentRefused' | 'ApprovalConsumed'
  | 'ApprovalRefused' | 'MissionCheckedOut' | 'PassportRevoked' | 'PassportUseRefused'
  | 'ProxiedCallStarted' | 'ProxiedCallEnded' | 'ProxiedCallRefused'
>;
/**
 * Uses of a passport, counted by credential_burst. A proxied call is one when it starts, or when a live passport asks
 * for one that is refused (as a refused intent is): an end is the same call again.
 */
const USES: ReadonlySet<MissionFact['type']> = new Set([
  'ToolCallLogged', 'ToolCallsLogged', 'CheckpointRecorded', 'IntentSubmitted', 'ApprovalConsumed', 'IntentRefused', 'ProxiedCallStarted', 'ProxiedCallRefused',
] as const);

/**
 * All detectors as one projection: evolve(state, event) → findings. It reads time only from events (their
 * `occurredAt`, deadlines recorded in them, and `ClockTicked`), so a replay of the same history raises exactly the
 * same findings in the same places. It mutates its state in place for speed; `replay` gives each run a fresh one.
 */
export function detect(state: DetectorState, event: RecordedEvent): Finding[] {
  if (!isMandateEvent(event)) return [];
  switch (event.type) {
    case 'AgentRegistered':
      state.agentModes.set(event.data.agentId, event.data.accountabilityMode);
      return [];
    case 'AccountabilityModeChanged':
      state.agentModes.set(event.data.agentId, event.data.to);
      return [];
    case 'DetectorSettingsChanged':
      state.settings.set(event.tenantId, withEverySignal(event.data.settings));
      return [];
    case 'ServiceRegistered':
      proxiedServicesOf(state, event.tenantId).add(intern(state, event.data.service));
      return [];
    case 'ServiceRemoved':
      proxiedServicesOf(state, event.tenantId).delete(event.data.service);
      return [];
    case 'PassportIssued': {
      if (++state.issuedSinceSweep >= SWEEP_EVERY_ISSUES) {
        state.issuedSinceSweep = 0;
        forgetOld(state, event.occurredAt);
      }
      const d = event.data;
      state.missions.set(d.missionId, {
        tenantId: intern(state, event.tenantId), agentId: intern(state, d.agentId), jti: d.jti, missionId: d.missionId,
        services: servicesList(state, d.intent.services), mode: intern(state, d.accountabilityMode),
        checkpointDueAt: Date.parse(d.checkpointDueAt), expiresAt: Date.parse(d.expiresAt), closed: null,
        recentUses: [], usesHead: 0, usesInWindow: 0, burstLevel: null, silenceRaisedFor: null,
        toolCallsLogged: false, actionsCounted: 0, calls: null,
      });
      return [];
    }
    case 'ClockTicked':
      return silence(state, event);
    case 'CheckpointRecorded':
    case 'ToolCallLogged':
    case 'ToolCallsLogged':
    case 'IntentSubmitted':
    case 'IntentRefused':
    case 'ApprovalConsumed':
    case 'ApprovalRefused':
    case 'MissionCheckedOut':
    case 'PassportRevoked':
    case 'PassportUseRefused':
    case 'ProxiedCallStarted':
    case 'ProxiedCallEnded':
    case 'ProxiedCallRefused':
      return onMission(state, event);
    // Facts no detector weighs: named here so that a new event type is a decision, not a silent default.
    case 'TenantCreated':
    case 'OperatorKeyCreated':
    case 'OperatorKeyRevoked':
    case 'TenantDisabled':
    case 'TenantEnabled':
    case 'TenantLimitsChanged':
    case 'BoundPassportsRequired':
    case 'AgentSuspended':
    case 'AgentReinstated':
    case 'IntentAutoApproved':
    case 'IntentApprovalGiven':
    case 'IntentApproved':
    case 'IntentRejected':
    case 'IntentExpired':
    case 'IntentPolicyChanged':
    case 'SecurityEventRaised':
    case 'SecurityEventResolved':
    // The first refusal of its window already raised what it shows; the count adds no new kind of use.
    case 'PassportUseRefusalsCounted':
    // An admin's changes to a service's hosts and secrets; which services exist is weighed above.
    case 'ServiceChanged':
    case 'ServiceSecretAdded':
    case 'ServiceSecretRemoved':
    // The tenant's proxy settings and an agent's identity: who may call, not what a mission did.
    case 'ProxySettingsChanged':
    case 'AgentCeilingSet':
    case 'EnrollmentTokenCreated':
    case 'AgentKeyEnrolled':
    case 'AgentKeyRevoked':
    case 'AgentMissionRefused':
      return [];
  }
}

function onMission(state: DetectorState, event: MissionFact): Finding[] {
  const mission = state.missions.get(event.data.missionId);
  if (!mission) return [];
  const findings: Finding[] = [];
  const raise = (signal: Signal, severity: Severity, detail: string, threshold: BurstThreshold | null = null, evidence = [event.id]) =>
    findings.push(finding(state, mission, event, signal, severity, detail, threshold, evidence));

  switch (event.type) {
    case 'CheckpointRecorded':
      mission.checkpointDueAt = Date.parse(event.data.checkpointDueAt);
      mission.silenceRaisedFor = null;
      outOfScope(mission, event.data.servicesUsed, 'a checkpoint reports', raise);
      checkpointOmissions(mission, event, raise);
      break;
    case 'ToolCallLogged':
      outOfScope(mission, [event.data.service], 'a tool call used', raise);
      tallyLogged(state, mission, [event.data]);
      break;
    case 'ToolCallsLogged':
      outOfScope(mission, event.data.calls.map((c) => c.service), 'a batch of tool calls used', raise);
      tallyLogged(state, mission, event.data.calls);
      break;
    case 'IntentRefused':
      raise('scope_drift', 'critical', `an intent named service "${event.data.service}", outside the mission's services`);
      break;
    case 'ProxiedCallStarted': {
      const calls = serviceCalls(mission, event.data.service);
      calls.observed++;
      calls.lastStarted = event.id;
      break;
    }
    case 'ProxiedCallEnded':
      // A call in flight at checkout ends after it: what the agent reported was judged at the checkout.
      if (!mission.closed) serviceCalls(mission, event.data.service).answeredSinceCheckpoint = event.id;
      break;
    case 'ProxiedCallRefused':
      // Critical like a refused intent: the attempt outside the mission is the signal, stopped or not. The other
      // refusals (hosts, deny rules, policy, approvals) are the tenant's rules for a service the mission did name.
      if (event.data.code === 'PROXY_SERVICE_NOT_IN_MISSION') {
        raise('scope_drift', 'critical', `a call through the proxy named service "${event.data.service}", outside the mission's services`);
      }
      break;
    case 'MissionCheckedOut':
      if (!mission.closed) checkoutShortfall(mission, event, raise);
      mission.closed ??= 'checked_out';
      mission.recentUses = [];
      mission.usesHead = mission.usesInWindow = 0;
      mission.calls = null;
      break;
    case 'PassportRevoked':
      mission.closed = 'revoked';
      mission.recentUses = [];
      mission.usesHead = mission.usesInWindow = 0;
      mission.calls = null;
      break;
    case 'PassportUseRefused': {
      const { code, operation } = event.data;
      if (code === 'PASSPORT_CHECKED_OUT' || code === 'PASSPORT_REVOKED') {
        raise('post_checkout_access', 'critical', `the passport was used (${operation}) after it was ${code === 'PASSPORT_REVOKED' ? 'revoked' : 'checked out'}`);
      }
      // A bound passport presented without its key: someone else holds the token. A proof signed by another real key
      // is critical (a second party is using it); a missing or replayed proof is a warning (a copied token, a retried
      // request, or a client bug all look alike). Stale or malformed proofs say nothing about who sent them.
      if (code === 'DPOP_KEY_MISMATCH') raise('stolen_passport', 'critical', `the passport was presented (${operation}) with a proof from a key it is not bound to`);
      if (code === 'DPOP_PROOF_MISSING' || code === 'DPOP_PROOF_REPLAYED') {
        raise('stolen_passport', 'warning', `the passport was presented (${operation}) ${code === 'DPOP_PROOF_MISSING' ? 'without a proof of its key' : 'with a proof already used'}`);
      }
      break;
    }
    case 'ApprovalRefused': {
      const { reason, mismatched } = event.data;
      if (reason === 'call_mismatch' || reason === 'consumed') {
        raise('intent_mismatch', 'critical', reason === 'consumed' ? 'an approval was replayed' : `a call differed from the approved one in: ${mismatched.join(', ')}`);
      }
      break;
    }
  }
  if (USES.has(event.type)) burst(state, mission, event, raise);
  return findings;
}

type Raise = (signal: Signal, severity: Severity, detail: string, threshold?: BurstThreshold | null, evidence?: string[]) => void;

function proxiedServicesOf(state: DetectorState, tenantId: string): Set<string> {
  let services = state.proxiedServices.get(tenantId);
  if (!services) state.proxiedServices.set(tenantId, (services = new Set()));
  return services;
}

/** The ledger entry of a service of the mission, made on first need. */
function serviceCalls(mission: MissionWatch, service: string): ServiceCalls {
  mission.calls ??= { services: new Map(), omissionRaised: false };
  let calls = mission.calls.services.get(service);
  if (!calls) mission.calls.services.set(service, (calls = { observed: 0, logged: 0, lastStarted: null, answeredSinceCheckpoint: null }));
  return calls;
}

/**
 * Counts the agent's logged calls against the services the proxy can call. A log of any other service is of a call
 * that never touched the proxy: not evidence either way, so not kept. Nor is one outside the mission, which the proxy
 * would have refused (scope_drift weighs that).
 */
function tallyLogged(state: DetectorState, mission: MissionWatch, calls: Array<{ service: string }>): void {
  mission.toolCallsLogged = true;
  const proxied = state.proxiedServices.get(mission.tenantId);
  if (!proxied) return;
  for (const { service } of calls) {
    if (proxied.has(service) && mission.services.includes(service)) serviceCalls(mission, service).logged++;
  }
}

const quoted = (services: string[]) => services.map((s) => `"${s}"`).join(', ');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * unreported_calls: what the agent reported leaves out calls the proxy made for it, in the same mission.
 *
 *   observed(s)  the mission's ProxiedCallStarted for service s (a start with no end counts: it may have been sent);
 *   logged(s)    the calls to s in the agent's ToolCallLogged / ToolCallsLogged of the mission, counted while s is
 *                registered with the tenant's proxy (ServiceRegistered until ServiceRemoved);
 *   answered(s)  since the mission's previous checkpoint (or its start), a ProxiedCallEnded for s.
 *
 *   (a) at a CheckpointRecorded: some s with answered(s) that the checkpoint's services_used does not name.
 *   (b) at MissionCheckedOut, if the agent logged any tool call in the mission: some s with observed(s) > logged(s).
 *   (c) at MissionCheckedOut, if it logged none: the sum of its checkpoints' actions_count < the sum of observed(s).
 *
 * Each is a warning, raised at most once per mission ((b) and (c) only at the checkout, which happens once): an honest
 * agent's logger can lag behind its calls, and the proxy's record of each call stands in the audit anyway. Services
 * the proxy never saw for the mission are not evidence either way: naming them, logging calls to them or counting
 * them neither raises nor excuses, except that (c) cannot tell them apart inside a count (see checkoutShortfall).
 * The answer, not the start, puts a service in (a): a call still in flight when the agent checkpoints is judged at
 * the next checkpoint, or at checkout. A mission revoked or expired before checkout is judged by (a) only.
 */
function checkpointOmissions(mission: MissionWatch, checkpoint: RecordedEventOf<'CheckpointRecorded'>, raise: Raise): void {
  mission.actionsCounted += checkpoint.data.actionsCount;
  if (!mission.calls) return;
  const omitted: string[] = [];
  const evidence: string[] = [];
  for (const [service, calls] of mission.calls.services) {
    if (calls.answeredSinceCheckpoint !== null && !checkpoint.data.servicesUsed.includes(service)) {
      omitted.push(service);
      evidence.push(calls.answeredSinceCheckpoint);
    }
    calls.answeredSinceCheckpoint = null;
  }
  if (omitted.length === 0 || mission.calls.omissionRaised) return;
  mission.calls.omissionRaised = true;
  raise('unreported_calls', 'warning', `a checkpoint's services_used leaves out ${quoted(omitted)}, called through the proxy since the previous checkpoint`, null, [...evidence, checkpoint.id]);
}

/**
 * (b) and (c). The sum of actions_count is the most any reading of it claims (a count per interval or a running
 * total), and it mixes in calls the proxy never saw: so (c) raises only when, whatever else the agent did, it counted
 * fewer actions than the proxy alone made calls.
 */
function checkoutShortfall(mission: MissionWatch, checkout: RecordedEventOf<'MissionCheckedOut'>, raise: Raise): void {
  if (!mission.calls) return;
  const observed = [...mission.calls.services].filter(([, calls]) => calls.observed > 0);
  const evidence = (entries: typeof observed) => [...entries.map(([, calls]) => calls.lastStarted!), checkout.id];
  if (mission.toolCallsLogged) {
    const short = observed.filter(([, calls]) => calls.observed > calls.logged);
    if (short.length === 0) return;
    const counts = short.map(([service, calls]) => `"${service}" ${plural(calls.observed, 'call')} observed, ${calls.logged} logged`);
    raise('unreported_calls', 'warning', `the agent's tool-call log leaves out calls it made through the proxy: ${counts.join('; ')}`, null, evidence(short));
    return;
  }
  const total = observed.reduce((sum, [, calls]) => sum + calls.observed, 0);
  if (mission.actionsCounted >= total) return;
  raise('unreported_calls', 'warning', `the agent logged no tool call and its checkpoints counted ${plural(mission.actionsCounted, 'action')} in all; the proxy started ${plural(total, 'call')} for it (${quoted(observed.map(([s]) => s))})`, null, evidence(observed));
}

function outOfScope(mission: MissionWatch, services: string[], what: string, raise: (s: Signal, v: Severity, detail: string) => void): void {
  const outside = [...new Set(services)].filter((s) => !mission.services.includes(s));
  if (outside.length > 0) raise('scope_drift', 'critical', `${what} ${outside.map((s) => `"${s}"`).join(', ')}, outside the mission's services`);
}

/** More than N uses in W seconds is a warning; twice N is critical. Each level is raised once per burst. */
function burst(state: DetectorState, mission: MissionWatch, event: MissionFact, raise: (s: Signal, v: Severity, detail: string, t: BurstThreshold, e: string[]) => void): void {
  const { maxUses, windowSeconds } = settingsOf(state, mission.tenantId).burst;
  const now = seconds(event.occurredAt);
  const uses = event.type === 'ToolCallsLogged' ? event.data.calls.length : 1;
  mission.recentUses.push({ at: now, count: uses, eventId: event.id });
  mission.usesInWindow += uses;
  // A moving head instead of shift(): shift() is linear, and a busy passport keeps thousands of events in its window.
  while (mission.usesHead < mission.recentUses.length && mission.recentUses[mission.usesHead].at <= now - windowSeconds) {
    mission.usesInWindow -= mission.recentUses[mission.usesHead].count;
    mission.usesHead++;
  }
  if (mission.usesHead > 1024 && mission.usesHead * 2 > mission.recentUses.length) {
    mission.recentUses = mission.recentUses.slice(mission.usesHead);
    mission.usesHead = 0;
  }
  const count = mission.usesInWindow;
  if (count <= maxUses) {
    mission.burstLevel = null;
    return;
  }
  const level: Severity = count > 2 * maxUses ? 'critical' : 'warning';
  if (mission.burstLevel === level || (mission.burstLevel === 'critical' && level === 'warning')) return;
  mission.burstLevel = level;
  const inWindow = mission.recentUses.slice(Math.max(mission.usesHead, mission.recentUses.length - MAX_EVIDENCE));
  const evidence = inWindow.map((u) => u.eventId);
  raise('credential_burst', level, `${count} uses in ${windowSeconds} s (threshold ${maxUses})`, { max_uses: maxUses, window_seconds: windowSeconds, observed: count }, evidence);
}

/** A tick is the time source: every open mission in logged or enforced mode past its checkpoint deadline is silent. */
function silence(state: DetectorState, tick: RecordedEventOf<'ClockTicked'>): Finding[] {
  const at = Date.parse(tick.data.at);
  const findings: Finding[] = [];
  for (const mission of state.missions.values()) {
    if (mission.closed || mission.mode === 'standard' || at >= mission.expiresAt) continue;
    if (at < mission.checkpointDueAt || mission.silenceRaisedFor === mission.checkpointDueAt) continue;
    mission.silenceRaisedFor = mission.checkpointDueAt;
    findings.push(finding(state, mission, tick, 'checkpoint_silence', 'warning', `no checkpoint since the deadline ${new Date(mission.checkpointDueAt).toISOString()}`, null, [tick.id]));
  }
  return findings;
}

function settingsOf(state: DetectorState, tenantId: string): DetectorSettings {
  return state.settings.get(tenantId) ?? DEFAULT_DETECTOR_SETTINGS;
}

function finding(
  state: DetectorState,
  mission: MissionWatch,
  event: RecordedMandateEvent,
  signal: Signal,
  severity: Severity,
  detail: string,
  threshold: BurstThreshold | null,
  evidence: string[],
): Finding {
  const settings = settingsOf(state, mission.tenantId);
  const action = settings.actions[signal];
  const mode = state.agentModes.get(mission.agentId) ?? mission.mode;
  const severe = severity === 'critical' || (severity === 'warning' && settings.revokeOnWarning);
  return {
    signal, severity, tenantId: mission.tenantId, agentId: mission.agentId, jti: mission.jti, missionId: mission.missionId,
    evidence, threshold, detail, raisedBy: { eventId: event.id, position: event.position },
    revoke: mode === 'enforced' && action === 'revoke' && severe && mission.closed !== 'revoked',
    action, accountabilityMode: mode,
  };
}

/** Runs every detector over a history from a fresh state: what replay compares with the live findings. */
export function replay(events: Iterable<RecordedEvent>): Finding[] {
  const state = initialDetectorState();
  const findings: Finding[] = [];
  for (const event of events) findings.push(...detect(state, event));
  return findings;
}
