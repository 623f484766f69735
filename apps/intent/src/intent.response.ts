import { ApiProperty } from '@nestjs/swagger';
import { POLICY_DECISIONS } from '@mandate/intents';
import { ActorView, AnyJsonValue, POSITION } from '@mandate/platform';

const STATUSES = ['pending', 'approved', 'rejected', 'expired'];

export class AmountView {
  @ApiProperty({ type: 'number', minimum: 0 }) value: number;
  @ApiProperty({ pattern: '^[A-Z]{3}$' }) currency: string;
}

export class CallView {
  @ApiProperty() url: string;
  @ApiProperty() method: string;
  @ApiProperty({ required: false, type: AnyJsonValue, description: 'any JSON, as submitted' }) body?: unknown;
}

/** RFC 9396 authorization_details of one intent. */
export class AuthorizationDetailView {
  @ApiProperty({ enum: ['mandate_intent'] }) type: string;
  @ApiProperty({ type: [String] }) locations: string[];
  @ApiProperty({ type: [String] }) actions: string[];
  @ApiProperty() named_intent: string;
  @ApiProperty() target: string;
  @ApiProperty() action: string;
  @ApiProperty() parameters: CallView;
  @ApiProperty({ required: false }) amount?: AmountView;
  @ApiProperty({ required: false, type: Object, additionalProperties: true }) estimated_cost?: Record<string, unknown>;
  @ApiProperty() reason: string;
}

export class ApprovalsView {
  @ApiProperty({ type: 'integer', minimum: 0 }) required: number;
  @ApiProperty({ type: [ActorView], description: 'the distinct approvers so far' }) given: ActorView[];
}

export class IntentDecisionView {
  @ApiProperty({ description: 'an approver, or the policy (its rule, `default` or `expiry`)' }) by: ActorView;
  @ApiProperty() note: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

/** What a caller may see of an intent. */
export class IntentView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty() named_intent: string;
  @ApiProperty() target: string;
  @ApiProperty() action: string;
  @ApiProperty({ type: AmountView, nullable: true }) amount: AmountView | null;
  @ApiProperty() reason: string;
  @ApiProperty({ type: [AuthorizationDetailView] }) authorization_details: AuthorizationDetailView[];
  @ApiProperty() agent_id: string;
  @ApiProperty() jti: string;
  @ApiProperty() mission_id: string;
  @ApiProperty({ format: 'date-time' }) submitted_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty() approvals: ApprovalsView;
  @ApiProperty({ type: IntentDecisionView, nullable: true }) decision: IntentDecisionView | null;
  @ApiProperty({ type: String, nullable: true, description: 'once approved: what the gate (consume) takes' }) approval_id: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) approval_expires_at: string | null;
  @ApiProperty() consumed: boolean;
  @ApiProperty({ required: false, type: 'integer', description: 'while pending: when to ask again (also the Retry-After header)' }) retry_after_seconds?: number;
  @ApiProperty({ ...POSITION, required: false, description: 'after a write: its global position' }) position?: number;
}

export class IntentApprovalsCount {
  @ApiProperty({ type: 'integer', minimum: 0 }) required: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) given: number;
}

export class IntentSummaryView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty() named_intent: string;
  @ApiProperty() target: string;
  @ApiProperty() agent_id: string;
  @ApiProperty() jti: string;
  @ApiProperty() mission_id: string;
  @ApiProperty({ format: 'date-time' }) submitted_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty() approvals: IntentApprovalsCount;
}

export class IntentListResponse {
  @ApiProperty({ type: [IntentSummaryView] }) intents: IntentSummaryView[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page; null on the last' }) next_cursor: string | null;
}

export class SimulationResponse {
  @ApiProperty({ enum: [...POLICY_DECISIONS, 'refused'], description: '`refused`: the target is outside the mission' }) decision: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) approvals_required: number;
  @ApiProperty({ type: String, nullable: true, description: 'the rule that matched, or null for the default' }) rule: string | null;
  @ApiProperty() reason: string;
  @ApiProperty() in_scope: boolean;
}

/** What a policy alone would decide for an intent (no mission is in play, so nothing is out of scope). */
export class PolicySimulationResponse {
  @ApiProperty({ enum: POLICY_DECISIONS }) decision: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) approvals_required: number;
  @ApiProperty({ type: String, nullable: true, description: 'the rule that matched, or null for the default' }) rule: string | null;
  @ApiProperty() reason: string;
}

export class ConsumedResponse {
  @ApiProperty() approval_id: string;
  @ApiProperty() intent_id: string;
  @ApiProperty({ enum: [true] }) consumed: true;
  @ApiProperty(POSITION) position: number;
}

export class PolicyMatchView {
  @ApiProperty({ required: false }) named_intent?: string;
  @ApiProperty({ required: false }) service?: string;
  @ApiProperty({ required: false }) method?: string;
  @ApiProperty({ required: false }) currency?: string;
  @ApiProperty({ required: false, type: 'number' }) amount_min?: number;
  @ApiProperty({ required: false, type: 'number' }) amount_max?: number;
}

export class PolicyRuleView {
  @ApiProperty() name: string;
  @ApiProperty() match: PolicyMatchView;
  @ApiProperty({ enum: POLICY_DECISIONS }) decision: string;
  @ApiProperty({ required: false, type: 'integer', minimum: 1 }) approvals?: number;
}

/** A tenant's intent policy: the first matching rule decides, else the default. */
export class PolicyView {
  @ApiProperty({ enum: POLICY_DECISIONS }) default: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) default_approvals: number;
  @ApiProperty({ type: [PolicyRuleView] }) rules: PolicyRuleView[];
}

export class PolicyChangedResponse extends PolicyView {
  @ApiProperty(POSITION) position: number;
}
