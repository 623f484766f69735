import { SecurityEventSummary } from '@mandate/read-models';

export function securityEventView(f: SecurityEventSummary) {
  return {
    id: f.findingId, position: f.position, signal: f.signal, severity: f.severity, agent_id: f.agentId, jti: f.jti,
    mission_id: f.missionId, detail: f.detail, evidence: f.evidence, action: f.action, revoked: f.revoke,
    raised_to_operators: f.raised, raised_at: f.raisedAt, status: f.status, resolution: f.resolution,
  };
}
