import { IntentFacts } from '@mandate/intents';
import { IntentSummary } from '@mandate/read-models';

/** How long an agent waits before asking again about a pending intent. */
export const RETRY_AFTER_SECONDS = 2;

/** What a caller may see of an intent. */
export function intentView(intent: IntentFacts, position?: number) {
  return {
    id: intent.intentId,
    status: intent.status,
    named_intent: intent.namedIntent,
    target: intent.service,
    action: intent.action,
    amount: intent.amount,
    reason: intent.reason,
    authorization_details: intent.authorizationDetails,
    agent_id: intent.agentId,
    jti: intent.jti,
    mission_id: intent.missionId,
    submitted_at: intent.submittedAt,
    expires_at: intent.expiresAt,
    approvals: { required: intent.approvalsRequired, given: intent.approvers },
    decision: intent.decision,
    approval_id: intent.approvalId,
    approval_expires_at: intent.approvalExpiresAt,
    consumed: intent.consumed,
    ...(intent.status === 'pending' ? { retry_after_seconds: RETRY_AFTER_SECONDS } : {}),
    ...(position !== undefined ? { position } : {}),
  };
}

/** An intent as the queue lists it and its feed sends it. */
export function intentSummaryView(i: IntentSummary) {
  return {
    id: i.intentId, status: i.status, named_intent: i.namedIntent, target: i.service, agent_id: i.agentId, jti: i.jti,
    mission_id: i.missionId, submitted_at: i.submittedAt, expires_at: i.expiresAt,
    approvals: { required: i.approvalsRequired, given: i.approvalsGiven },
  };
}
