import { RecordedEvent } from '@mandate/core';

export const SIGNALS = ['scope_drift', 'post_checkout_access', 'credential_burst', 'checkpoint_silence', 'intent_mismatch'] as const;
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
  actions: { scope_drift: 'revoke', post_checkout_access: 'revoke', credential_burst: 'revoke', checkpoint_silence: 'flag', intent_mismatch: 'revoke' },
  revokeOnWarning: false,
};

export interface Finding {
  signal: Signal;
  severity: Severity;
  tenantId: string;
  agentId: string;
  jti: string;
  missionId: string;
  /** The events that show it, by id: the one that tipped it last. */
  evidence: string[];
  threshold: Record<string, number> | null;
  detail: string;
  /** The event whose handling raised it: a replay raises the same finding at the same place. */
  raisedBy: { eventId: string; position: number };
  /** Revoke only for an enforced agent, a revoke action, and a critical finding (or a warning where the tenant says so). */
  revoke: boolean;
  action: SignalAction;
  accountabilityMode: string;
}

interface MissionWatch {
  tenantId: string;
  agentId: string;
  jti: string;
  missionId: string;
  services: readonly string[];
  mode: string;
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
}

export interface DetectorState {
  missions: Map<string, MissionWatch>;
  /** Values many missions share (tenants, agents, modes, service lists), kept once. */
  interned: Map<string, string>;
  servicesLists: Map<string, readonly string[]>;
  issuedSinceSweep: number;
  agentModes: Map<string, string>;
  settings: Map<string, DetectorSettings>;
}

export const initialDetectorState = (): DetectorState => ({
  missions: new Map(),
  interned: new Map(),
  servicesLists: new Map(),
  issuedSinceSweep: 0,
  agentModes: new Map(),
  settings: new Map(),
});

function intern(state: DetectorState, value: string): string {
  const known = state.interned.get(value);
  if (known !== undefined) return known;
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
const USES = new Set(['ToolCallLogged', 'ToolCallsLogged', 'CheckpointRecorded', 'IntentSubmitted', 'ApprovalConsumed', 'IntentRefused']);

/**
 * All detectors as one projection: evolve(state, event) → findings. It reads time only from events (their
 * `occurredAt`, deadlines recorded in them, and `ClockTicked`), so a replay of the same history raises exactly the
 * same findings in the same places. It mutates its state in place for speed; `replay` gives each run a fresh one.
 */
export function detect(state: DetectorState, event: RecordedEvent): Finding[] {
  const d = event.data as Record<string, any>;
  switch (event.type) {
    case 'AgentRegistered':
      state.agentModes.set(d.agentId, d.accountabilityMode);
      return [];
    case 'AccountabilityModeChanged':
      state.agentModes.set(d.agentId, d.to);
      return [];
    case 'DetectorSettingsChanged':
      state.settings.set(event.tenantId, d.settings as DetectorSettings);
      return [];
    case 'PassportIssued':
      if (++state.issuedSinceSweep >= SWEEP_EVERY_ISSUES) {
        state.issuedSinceSweep = 0;
        forgetOld(state, event.occurredAt);
      }
      state.missions.set(d.missionId, {
        tenantId: intern(state, event.tenantId), agentId: intern(state, d.agentId), jti: d.jti, missionId: d.missionId,
        services: servicesList(state, d.intent.services), mode: intern(state, d.accountabilityMode),
        checkpointDueAt: Date.parse(d.checkpointDueAt), expiresAt: Date.parse(d.expiresAt), closed: null,
        recentUses: [], usesHead: 0, usesInWindow: 0, burstLevel: null, silenceRaisedFor: null,
      });
      return [];
    case 'ClockTicked':
      return silence(state, event);
  }
  const mission = typeof d.missionId === 'string' ? state.missions.get(d.missionId) : undefined;
  if (!mission) return [];
  const findings: Finding[] = [];
  const raise = (signal: Signal, severity: Severity, detail: string, threshold: Record<string, number> | null = null, evidence = [event.id]) =>
    findings.push(finding(state, mission, event, signal, severity, detail, threshold, evidence));

  switch (event.type) {
    case 'CheckpointRecorded':
      mission.checkpointDueAt = Date.parse(d.checkpointDueAt);
      mission.silenceRaisedFor = null;
      outOfScope(mission, d.servicesUsed as string[], 'a checkpoint reports', raise);
      break;
    case 'ToolCallLogged':
      outOfScope(mission, [d.service], 'a tool call used', raise);
      break;
    case 'ToolCallsLogged':
      outOfScope(mission, (d.calls as Array<{ service: string }>).map((c) => c.service), 'a batch of tool calls used', raise);
      break;
    case 'IntentRefused':
      raise('scope_drift', 'critical', `an intent named service "${d.service}", outside the mission's services`);
      break;
    case 'MissionCheckedOut':
      mission.closed ??= 'checked_out';
      mission.recentUses = [];
      mission.usesHead = mission.usesInWindow = 0;
      break;
    case 'PassportRevoked':
      mission.closed = 'revoked';
      mission.recentUses = [];
      mission.usesHead = mission.usesInWindow = 0;
      break;
    case 'PassportUseRefused':
      if (d.code === 'PASSPORT_CHECKED_OUT' || d.code === 'PASSPORT_REVOKED') {
        raise('post_checkout_access', 'critical', `the passport was used (${d.operation}) after it was ${d.code === 'PASSPORT_REVOKED' ? 'revoked' : 'checked out'}`);
      }
      break;
    case 'ApprovalRefused':
      if (d.reason === 'call_mismatch' || d.reason === 'consumed') {
        raise('intent_mismatch', 'critical', d.reason === 'consumed' ? 'an approval was replayed' : `a call differed from the approved one in: ${(d.mismatched as string[]).join(', ')}`);
      }
      break;
  }
  if (USES.has(event.type)) burst(state, mission, event, raise);
  return findings;
}

function outOfScope(mission: MissionWatch, services: string[], what: string, raise: (s: Signal, v: Severity, detail: string) => void): void {
  const outside = [...new Set(services)].filter((s) => !mission.services.includes(s));
  if (outside.length > 0) raise('scope_drift', 'critical', `${what} ${outside.map((s) => `"${s}"`).join(', ')}, outside the mission's services`);
}

/** More than N uses in W seconds is a warning; twice N is critical. Each level is raised once per burst. */
function burst(state: DetectorState, mission: MissionWatch, event: RecordedEvent, raise: (s: Signal, v: Severity, detail: string, t: Record<string, number>, e: string[]) => void): void {
  const { maxUses, windowSeconds } = settingsOf(state, mission.tenantId).burst;
  const now = seconds(event.occurredAt);
  const d = event.data as { calls?: unknown[] };
  const uses = event.type === 'ToolCallsLogged' && Array.isArray(d.calls) ? d.calls.length : 1;
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
function silence(state: DetectorState, tick: RecordedEvent): Finding[] {
  const at = Date.parse((tick.data as { at: string }).at);
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
  event: RecordedEvent,
  signal: Signal,
  severity: Severity,
  detail: string,
  threshold: Record<string, number> | null,
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
