import { ApiProperty } from '@nestjs/swagger';
import { ACCOUNTABILITY_MODES } from '@mandate/agents';
import { POSITION } from '@mandate/platform';
import { MISSION_STATUSES } from '@mandate/read-models';

export class MissionIntentView {
  @ApiProperty() summary: string;
  @ApiProperty({ type: [String] }) services: string[];
}

export class CheckedOutView {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: 'success' | 'failure';
  @ApiProperty() summary: string;
}

export class RevokedView {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty() reason: string;
  @ApiProperty({ description: 'what the revocation covered: this passport, its agent, the tenant, or a detector' }) scope: string;
}

/** An operator's view of one passport and its mission. */
export class PassportView {
  @ApiProperty() jti: string;
  @ApiProperty() mission_id: string;
  @ApiProperty() agent_id: string;
  @ApiProperty({ enum: ['active', 'revoked', 'checked_out', 'expired'] }) status: string;
  @ApiProperty({ enum: ACCOUNTABILITY_MODES }) accountability_mode: string;
  @ApiProperty() intent: MissionIntentView;
  @ApiProperty({ format: 'date-time' }) issued_at: string;
  @ApiProperty({ format: 'date-time', description: "the token's leash: a checkpoint moves it" }) expires_at: string;
  @ApiProperty({ format: 'date-time' }) mission_expires_at: string;
  @ApiProperty({ type: 'integer' }) checkpoint_interval_seconds: number;
  @ApiProperty({ format: 'date-time' }) checkpoint_due_at: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'tool calls the agent reported' }) actions_logged: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'calls the credential proxy started for this mission (observed by Mandate)' }) calls_observed: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) checkpoints: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'the thumbprint (RFC 7638) of the agent key every use must prove possession of (DPoP); null: a bearer passport' }) bound_key: string | null;
  @ApiProperty({ type: CheckedOutView, nullable: true }) checked_out: CheckedOutView | null;
  @ApiProperty({ type: RevokedView, nullable: true }) revoked: RevokedView | null;
}

export class IssuedPassportResponse extends PassportView {
  @ApiProperty({ description: 'the passport (EdDSA JWT) the agent sends as its bearer token' }) token: string;
  @ApiProperty(POSITION) position: number;
}

export class CheckpointResponse {
  @ApiProperty() jti: string;
  @ApiProperty({ format: 'date-time' }) checkpoint_due_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ required: false, description: 'in enforced mode: the refreshed passport, with the moved leash' }) token?: string;
  @ApiProperty(POSITION) position: number;
}

export class ToolCallsLoggedResponse {
  @ApiProperty() jti: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) logged: number;
  @ApiProperty(POSITION) position: number;
}

export class CheckedOutResponse {
  @ApiProperty() jti: string;
  @ApiProperty({ enum: ['checked_out'] }) status: 'checked_out';
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: 'success' | 'failure';
  @ApiProperty(POSITION) position: number;
}

export class PassportRevokedResponse {
  @ApiProperty() jti: string;
  @ApiProperty({ enum: [true] }) revoked: true;
  @ApiProperty({ description: 'it was revoked before: nothing was written' }) already_revoked: boolean;
  @ApiProperty(POSITION) position: number;
}

export class ConfirmationView {
  @ApiProperty({ description: "the RFC 7638 thumbprint of the key a DPoP proof must be signed with" }) jkt: string;
}

export class PassportClaimsView {
  @ApiProperty() iss: string;
  @ApiProperty({ description: 'the agent id' }) sub: string;
  @ApiProperty() aud: string;
  @ApiProperty() jti: string;
  @ApiProperty({ type: 'integer' }) iat: number;
  @ApiProperty({ type: 'integer' }) exp: number;
  @ApiProperty({ description: 'the tenant id' }) tid: string;
  @ApiProperty() mission_id: string;
  @ApiProperty({ type: [String] }) services: string[];
  @ApiProperty({ enum: ACCOUNTABILITY_MODES }) accountability_mode: string;
  @ApiProperty({ type: 'integer' }) mission_exp: number;
  @ApiProperty({ required: false, type: ConfirmationView, description: 'present when the passport is bound to an agent key (RFC 9449 §6)' }) cnf?: ConfirmationView;
}

/** Introspection (RFC 7662 semantics): `active`, and why not when it is not. */
export class VerifyResponse {
  @ApiProperty() active: boolean;
  @ApiProperty({ required: false, enum: ['revoked', 'checked_out', 'expired', 'invalid', 'unknown'], description: 'when not active' }) reason?: string;
  @ApiProperty({ required: false, description: 'when not active but issued here' }) jti?: string;
  @ApiProperty({ required: false, type: PassportClaimsView, description: 'when active' }) claims?: PassportClaimsView;
  @ApiProperty({ required: false, format: 'date-time', description: 'when active' }) expires_at?: string;
  @ApiProperty({ required: false, type: ConfirmationView, description: 'when active and bound to an agent key: a downstream service checks the DPoP proof against it' }) cnf?: ConfirmationView;
}

/** RFC 7662 §2.2, the standard field names; an inactive token is `{active: false}` and nothing else. */
export class IntrospectionResponse {
  @ApiProperty() active: boolean;
  @ApiProperty({ required: false, enum: ['Bearer', 'DPoP'] }) token_type?: string;
  @ApiProperty({ required: false, description: 'the services of the mission, space-separated' }) scope?: string;
  @ApiProperty({ required: false, description: 'the agent' }) client_id?: string;
  @ApiProperty({ required: false }) sub?: string;
  @ApiProperty({ required: false }) aud?: string;
  @ApiProperty({ required: false }) iss?: string;
  @ApiProperty({ required: false }) jti?: string;
  @ApiProperty({ required: false, type: 'integer' }) exp?: number;
  @ApiProperty({ required: false, type: 'integer' }) iat?: number;
  @ApiProperty({ required: false, type: ConfirmationView }) cnf?: ConfirmationView;
  @ApiProperty({ required: false, description: 'the tenant' }) tid?: string;
  @ApiProperty({ required: false }) mission_id?: string;
}

export class MissionAgentView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class MissionSummaryView {
  @ApiProperty() jti: string;
  @ApiProperty() mission_id: string;
  @ApiProperty() agent: MissionAgentView;
  @ApiProperty({ enum: ACCOUNTABILITY_MODES, description: 'the mode the mission was opened in' }) accountability_mode: string;
  @ApiProperty({ enum: MISSION_STATUSES }) status: string;
  @ApiProperty({ description: "the mission's intent, as the agent or operator stated it" }) summary: string;
  @ApiProperty({ type: [String] }) services: string[];
  @ApiProperty({ format: 'date-time' }) issued_at: string;
  @ApiProperty({ format: 'date-time', description: "the mission's end" }) expires_at: string;
}

export class MissionListResponse {
  @ApiProperty({ type: [MissionSummaryView] }) missions: MissionSummaryView[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next (older) page; null on the last' }) next_cursor: string | null;
}
