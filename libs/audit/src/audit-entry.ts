import { RecordedEvent } from '@mandate/core';
import { whatHappened, WhatHappened } from './what-happened';

/** One line of the audit trail: who did what to which agent, passport and mission, and how it ended. */
export interface AuditEntry {
  position: number;
  eventId: string;
  tenantId: string;
  type: string;
  occurredAt: string;
  actorKind: string;
  actorId: string;
  agentId: string | null;
  jti: string | null;
  missionId: string | null;
  outcome: 'ok' | 'refused';
  code: string | null;
  /** What happened, in the event's own terms (a tool call's service and action, a revocation's reason). */
  what: WhatHappened | null;
}

const REFUSALS = new Set(['PassportUseRefused', 'IntentRefused', 'ApprovalRefused', 'ProxiedCallRefused', 'AgentMissionRefused']);

export function toAuditEntry(event: RecordedEvent): AuditEntry {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : null);
  return {
    position: event.position,
    eventId: event.id,
    tenantId: event.tenantId,
    type: event.type,
    occurredAt: event.occurredAt,
    actorKind: event.actor.kind,
    actorId: event.actor.id,
    agentId: text('agentId'),
    jti: text('jti'),
    missionId: text('missionId'),
    outcome: REFUSALS.has(event.type) ? 'refused' : 'ok',
    code: text('code') ?? (event.type === 'ApprovalRefused' || event.type === 'IntentRefused' ? text('reason') : event.type === 'AgentMissionRefused' ? 'AGENT_CEILING_EXCEEDED' : null),
    what: whatHappened(event),
  };
}
