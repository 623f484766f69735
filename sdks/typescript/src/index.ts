/**
 * Mandate for TypeScript: passports bound to missions, a credential proxy, approvals and an audit trail for AI agents.
 *
 *   const mandate = new Mandate({ agentId: 'agt_…' });          // the agent's runtime: its own key, no operator key
 *   await mandate.withMission({ intent: 'Triage tickets', services: ['slack'] }, async (mission) => {
 *     await mission.proxy({ service: 'slack', url: 'https://slack.com/api/chat.postMessage', method: 'POST', body });
 *   });
 */
export { Mandate, DEFAULT_URL, type MandateOptions } from './client.js';
export { Mission, type ProxyCall, type ProxyResponse, type ToolCall } from './mission/mission.js';
export { MissionIntents, type HttpMethod, type IntentCall, type Waiting } from './mission/intents.js';
export { seconds, type Duration, type MissionOptions } from './mission/options.js';
export { currentApproval, withApproval } from './mission/approval.js';
export { AgentKey, DEFAULT_KEY_DIR, type PublicJwk } from './keys.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export type { Logger } from './transport.js';
export type { FindingEvent, RevocationEvent, StreamEvent, StreamOptions } from './streams.js';
export type { AccountabilityMode, Ceiling, RegisterAgent } from './operator/agents.js';
export type { AuditFilters } from './operator/audit.js';
export type { FindingFilters } from './operator/findings.js';
export type { IssuePassport } from './operator/passports.js';
export type { Decision, IntentPolicy } from './operator/policies.js';
export type { RegisterService } from './operator/services.js';
export type { Signal } from './operator/signal.js';
export * from './errors.js';
/** Every request and answer of Mandate's HTTP API, generated from its OpenAPI document. */
export type * as models from './generated/openapi.js';
export type { components, operations, paths } from './generated/openapi.js';
export { VERSION } from './version.js';
