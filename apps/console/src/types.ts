// The API's shapes, from the types generated from the contract (the TypeScript SDK's): the console reads what the
// server documents, and a change to an answer breaks this build instead of a page.
import type { components } from '../../../sdks/typescript/src/generated/openapi';

type Schemas = components['schemas'];
export type IntentView = Schemas['IntentView'];
export type IntentSummaryView = Schemas['IntentSummaryView'];
export type IntentListResponse = Schemas['IntentListResponse'];
export type AmountView = Schemas['AmountView'];
export type ActorView = Schemas['ActorView'];
export type AgentDetailView = Schemas['AgentDetailView'];
export type PassportView = Schemas['PassportView'];
export type RevocationEventView = Schemas['RevocationEventView'];
export type SecurityEventView = Schemas['SecurityEventView'];
export type ResolvedResponse = Schemas['ResolvedResponse'];
export type DecisionDto = Schemas['DecisionDto'];
export type ResolveDto = Schemas['ResolveDto'];
export type ProblemResponse = Schemas['ProblemResponse'];
export type RevokePassportDto = Schemas['RevokePassportDto'];
export type RevokeAgentDto = Schemas['RevokeAgentDto'];
export type RevokeAllDto = Schemas['RevokeAllDto'];
export type PassportRevokedResponse = Schemas['PassportRevokedResponse'];
export type RevocationsResponse = Schemas['RevocationsResponse'];
export type AgentView = Schemas['AgentView'];
export type AgentListResponse = Schemas['AgentListResponse'];
export type AuditEntryView = Schemas['AuditEntryView'];
export type AuditPageResponse = Schemas['AuditPageResponse'];
export type ChainVerificationResponse = Schemas['ChainVerificationResponse'];
