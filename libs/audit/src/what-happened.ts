import { RecordedEvent } from '@mandate/core';
import type { RecordedMandateEvent } from '@mandate/events';
import { isMandateEvent } from '@mandate/events';

/** What an audit entry says happened, beyond who and to which passport: enough to read a mission without the export. */
export type WhatHappened = Record<string, unknown>;

/**
 * The facts an auditor reads first, per event type: a tool call's service, action, target and outcome; a
 * revocation's reason (who is the entry's actor); a refusal's operation and code. Never a secret: key verifiers and
 * tokens are not in any event's summary.
 */
export function whatHappened(event: RecordedEvent): WhatHappened | null {
  if (!isMandateEvent(event)) return null;
  // It runs inside the append transaction: an event whose data is not of its type's shape gets no summary, never a
  // failed append.
  try {
    return describe(event);
  } catch {
    return null;
  }
}

function describe(event: RecordedMandateEvent): WhatHappened | null {
  switch (event.type) {
    case 'PassportIssued':
      return { services: event.data.intent.services, summary: event.data.intent.summary, expires_at: event.data.expiresAt };
    case 'CheckpointRecorded':
      return { services_used: event.data.servicesUsed, actions_count: event.data.actionsCount, summary: event.data.summary };
    case 'ToolCallLogged': {
      const { service, action, target, outcome, approvalId } = event.data;
      return { call: 'reported', service, action, ...(target !== undefined ? { target } : {}), outcome, ...(approvalId !== undefined ? { approval_id: approvalId } : {}) };
    }
    case 'ToolCallsLogged':
      return { call: 'reported', calls: event.data.calls.length, services: [...new Set(event.data.calls.map((c) => c.service))] };
    case 'MissionCheckedOut':
      return { outcome: event.data.outcome, summary: event.data.summary };
    case 'PassportRevoked':
      return { reason: event.data.reason, scope: event.data.scope };
    case 'PassportUseRefused':
      return { operation: event.data.operation, code: event.data.code, services: event.data.services };
    case 'PassportUseRefusalsCounted':
      return { refusals: event.data.refusals, from: event.data.from, to: event.data.to };
    // `call` tells the two kinds apart: what Mandate observed itself (the proxy), and what an agent reported.
    case 'ProxiedCallStarted':
      return { call: 'observed', ...observedCall(event.data), request_bytes: event.data.requestBytes };
    case 'ProxiedCallEnded': {
      const d = event.data;
      return { call: 'observed', ...observedCall(d), outcome: d.outcome, status: d.status, ...(d.code ? { code: d.code } : {}), latency_ms: d.latencyMs, response_bytes: d.responseBytes, masked: d.masked };
    }
    case 'ProxiedCallRefused':
      return { call: 'observed', ...observedCall(event.data), code: event.data.code };
    case 'IntentSubmitted':
      return { named_intent: event.data.namedIntent, service: event.data.service, method: event.data.call.method, host: event.data.call.host, path: event.data.call.path, amount: event.data.amount };
    case 'IntentRefused':
      return { reason: event.data.reason, service: event.data.service };
    case 'IntentApprovalGiven':
    case 'IntentRejected':
      return { note: event.data.note };
    case 'ApprovalConsumed':
      return { method: event.data.call.method, host: event.data.call.host, path: event.data.call.path };
    case 'ApprovalRefused':
      return { reason: event.data.reason, mismatched: event.data.mismatched };
    case 'SecurityEventRaised':
      return { signal: event.data.signal, severity: event.data.severity, detail: event.data.detail, action: event.data.action };
    case 'SecurityEventResolved':
      return { finding_id: event.data.findingId, note: event.data.note };
    case 'AgentRegistered':
      return { name: event.data.name, accountability_mode: event.data.accountabilityMode };
    case 'AccountabilityModeChanged':
      return { from: event.data.from, to: event.data.to };
    case 'AgentSuspended':
      return { reason: event.data.reason };
    case 'AgentCeilingSet': {
      const c = event.data.ceiling;
      return c ? { allowed_services: c.allowedServices, max_ttl_seconds: c.maxTtlSeconds, max_concurrent_missions: c.maxConcurrentMissions } : { ceiling: null };
    }
    case 'EnrollmentTokenCreated':
      return { enrollment_id: event.data.enrollmentId, expires_at: event.data.expiresAt };
    case 'AgentKeyEnrolled':
      return { key_id: event.data.keyId, enrollment_id: event.data.enrollmentId };
    case 'AgentKeyRevoked':
      return { key_id: event.data.keyId, reason: event.data.reason };
    case 'AgentMissionRefused':
      return { key_id: event.data.keyId, exceeded: event.data.exceeded, services: event.data.requested.services, ttl_seconds: event.data.requested.ttlSeconds };
    default:
      return null;
  }
}

function observedCall(call: { callId: string; service: string; method: string; host: string; path: string; approvalId?: string }) {
  return { call_id: call.callId, service: call.service, method: call.method, host: call.host, path: call.path, ...(call.approvalId ? { approval_id: call.approvalId } : {}) };
}
