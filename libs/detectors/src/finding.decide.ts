import { Actor, Decider, DomainError } from '@mandate/core';
import { ClockTicked, FindingEvent, SecurityEventRaisedData } from './detector-events';

interface KnownFinding {
  jti: string;
  agentId: string;
  missionId: string;
  resolved: boolean;
}

/** A tenant's findings (stream `security-<tenant>`): which were raised, and which an operator resolved. */
export interface FindingsState {
  findings: ReadonlyMap<string, KnownFinding>;
}

export type FindingCommand =
  /** `findingId` is derived from the event that raised it, so raising it again (a crash, a replay) changes nothing. */
  | { type: 'RaiseFinding'; findingId: string; finding: SecurityEventRaisedData }
  | { type: 'ResolveFinding'; findingId: string; note: string; by: Actor; now: string };

const NONE: ReadonlyMap<string, KnownFinding> = new Map();

export const findingsInitialState: FindingsState = { findings: NONE };

/**
 * A tenant's stream of findings grows for ever, so the fold adds to one map instead of copying it per event (that
 * would be quadratic on a first load). A state belongs to one stream's fold, and the empty initial one is never written.
 */
function evolveFindings(state: FindingsState, event: FindingEvent): FindingsState {
  const findings = (state.findings === NONE ? new Map() : state.findings) as Map<string, KnownFinding>;
  if (event.type === 'SecurityEventRaised') {
    const { jti, agentId, missionId } = event.data;
    findings.set((event as { id?: string }).id ?? '', { jti, agentId, missionId, resolved: false });
  } else {
    const known = findings.get(event.data.findingId);
    if (known) findings.set(event.data.findingId, { ...known, resolved: true });
  }
  return { findings };
}

function decideFindings(command: FindingCommand, state: FindingsState): Array<FindingEvent & { id?: string }> {
  if (command.type === 'RaiseFinding') {
    if (state.findings.has(command.findingId)) return [];
    return [{ id: command.findingId, type: 'SecurityEventRaised', data: command.finding }];
  }
  const known = state.findings.get(command.findingId);
  if (!known) throw new DomainError('NOT_FOUND', `security event ${command.findingId} was not found`);
  if (known.resolved) throw new DomainError('ALREADY_RESOLVED', 'this security event is already resolved');
  return [
    {
      type: 'SecurityEventResolved',
      data: { findingId: command.findingId, jti: known.jti, agentId: known.agentId, missionId: known.missionId, note: command.note, at: command.now },
    },
  ];
}

export const findingsDecider: Decider<FindingCommand, FindingEvent, FindingsState> = {
  initialState: findingsInitialState,
  evolve: evolveFindings,
  decide: decideFindings,
};

export const findingsStream = (tenantId: string) => `security-${tenantId}`;

/** Time reaches the detectors as recorded ticks (stream `clock`), each later than the last. */
export type ClockCommand = { type: 'Tick'; now: string };
export interface ClockState {
  lastTickAt: string | null;
}

export const clockDecider: Decider<ClockCommand, ClockTicked, ClockState> = {
  initialState: { lastTickAt: null },
  evolve: (_state, event) => ({ lastTickAt: event.data.at }),
  decide: (command, state) => (state.lastTickAt !== null && command.now <= state.lastTickAt ? [] : [{ type: 'ClockTicked', data: { at: command.now } }]),
};

export const CLOCK_STREAM = 'clock';
/** Facts that belong to no tenant (the clock) are stored under this one. */
export const SYSTEM_TENANT = '_system';
