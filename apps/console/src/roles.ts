/** The roles of a tenant's operator keys. */
export const ROLES = ['admin', 'operator', 'approver', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What the console does, by the operation it calls and the roles the contract opens it to (its `x-audience`; the spec
 * beside this file compares the two). The console hides what a role may not do; the server refuses it all the same.
 */
export const OPERATIONS = {
  readQueue: { operation: 'GET /v1/intents', roles: ['admin', 'approver', 'operator', 'auditor'] },
  readIntent: { operation: 'GET /v1/intents/{intentId}', roles: ['admin', 'approver', 'operator', 'auditor'] },
  approve: { operation: 'POST /v1/intents/{intentId}/approve', roles: ['admin', 'approver'] },
  reject: { operation: 'POST /v1/intents/{intentId}/reject', roles: ['admin', 'approver'] },
  readAgent: { operation: 'GET /v1/agents/{agentId}', roles: ['admin', 'operator', 'approver', 'auditor'] },
  readPassport: { operation: 'GET /v1/passports/{jti}', roles: ['admin', 'operator', 'auditor', 'approver'] },
  followRevocations: { operation: 'GET /v1/revocations/stream', roles: ['admin', 'operator', 'auditor'] },
  followFindings: { operation: 'GET /v1/security-events/stream', roles: ['admin', 'operator', 'auditor'] },
  resolveFinding: { operation: 'POST /v1/security-events/{id}/resolve', roles: ['admin', 'operator'] },
  revokePassport: { operation: 'POST /v1/passports/{jti}/revoke', roles: ['admin', 'operator'] },
  revokeAgent: { operation: 'POST /v1/agents/{agentId}/revoke', roles: ['admin', 'operator'] },
  revokeTenant: { operation: 'POST /v1/revocations/all', roles: ['admin'] },
  listAgents: { operation: 'GET /v1/agents', roles: ['admin', 'operator', 'approver', 'auditor'] },
  readAgentKeys: { operation: 'GET /v1/agents/{agentId}/keys', roles: ['admin', 'operator', 'auditor'] },
  changeAgentMode: { operation: 'PATCH /v1/agents/{agentId}', roles: ['admin', 'operator'] },
  readPolicy: { operation: 'GET /v1/policies/intents', roles: ['admin', 'operator', 'approver', 'auditor'] },
  changePolicy: { operation: 'PUT /v1/policies/intents', roles: ['admin'] },
  simulatePolicy: { operation: 'POST /v1/policies/intents/simulate', roles: ['admin', 'operator', 'approver', 'auditor'] },
  listMissions: { operation: 'GET /v1/missions', roles: ['admin', 'operator', 'approver', 'auditor'] },
  readAudit: { operation: 'GET /v1/audit', roles: ['admin', 'auditor'] },
  verifyAudit: { operation: 'GET /v1/audit/verify', roles: ['admin', 'auditor'] },
  exportAudit: { operation: 'GET /v1/audit/export', roles: ['admin', 'auditor'] },
} as const satisfies Record<string, { operation: string; roles: readonly Role[] }>;
export type ConsoleOperation = keyof typeof OPERATIONS;

export const can = (role: Role, what: ConsoleOperation): boolean => (OPERATIONS[what].roles as readonly Role[]).includes(role);

/**
 * How the console learns a key's role without an operation of its own: it asks, in order, for what fewer roles may
 * read, and the first that answers 200 names the role (a role's 403 is `FORBIDDEN`, stores nothing and costs a
 * request). The last probe is one every role may read, so it also tells that the key works at all.
 */
export const ROLE_PROBES: ReadonlyArray<{ role: Role; operation: string; path: string }> = [
  { role: 'admin', operation: 'GET /v1/keys', path: '/v1/keys' },
  { role: 'auditor', operation: 'GET /v1/audit', path: '/v1/audit?limit=1' },
  { role: 'operator', operation: 'GET /v1/security-events', path: '/v1/security-events?limit=1' },
  { role: 'approver', operation: 'GET /v1/intents', path: '/v1/intents?limit=1' },
];

/** The role the probes' statuses (in ROLE_PROBES order) tell, or null when no probe answered 200. */
export function roleFromProbes(statuses: readonly number[]): Role | null {
  const index = statuses.findIndex((status) => status === 200);
  return index < 0 ? null : ROLE_PROBES[index].role;
}

/** A tenant's operator key reads `mdt.<tenant>.<key id>.<secret>`; the console shows the first two, never the secret. */
export function keyParts(key: string): { tenantId: string; keyId: string } | null {
  const match = /^mdt\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.\S+$/.exec(key);
  return match ? { tenantId: match[1], keyId: match[2] } : null;
}
