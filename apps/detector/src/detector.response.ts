import { ApiProperty } from '@nestjs/swagger';
import { SIGNALS } from '@mandate/detectors';
import { POSITION } from '@mandate/platform';

const ACTIONS = ['observe', 'flag', 'revoke'];

export class ResolutionView {
  @ApiProperty() note: string;
  @ApiProperty({ description: 'the operator key that resolved it' }) by: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

/** One finding of a detector: its evidence and what was done about it. */
export class SecurityEventView {
  @ApiProperty() id: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) position: number;
  @ApiProperty({ enum: SIGNALS }) signal: string;
  @ApiProperty({ enum: ['info', 'warning', 'critical'] }) severity: string;
  @ApiProperty() agent_id: string;
  @ApiProperty() jti: string;
  @ApiProperty() mission_id: string;
  @ApiProperty() detail: string;
  @ApiProperty({ type: [String] }) evidence: string[];
  @ApiProperty({ enum: ACTIONS, description: "the tenant's setting for the signal when it was raised" }) action: string;
  @ApiProperty({ description: 'the passport was revoked for it' }) revoked: boolean;
  @ApiProperty() raised_to_operators: boolean;
  @ApiProperty({ format: 'date-time' }) raised_at: string;
  @ApiProperty({ enum: ['open', 'resolved'] }) status: string;
  @ApiProperty({ type: ResolutionView, nullable: true }) resolution: ResolutionView | null;
}

export class ResolvedResponse extends SecurityEventView {
  @ApiProperty(POSITION) declare position: number;
}

export class SecurityEventListResponse {
  @ApiProperty({ type: [SecurityEventView] }) security_events: SecurityEventView[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page; null on the last' }) next_cursor: string | null;
}

export class BurstView {
  @ApiProperty({ type: 'integer', minimum: 1 }) max_uses: number;
  @ApiProperty({ type: 'integer', minimum: 1 }) window_seconds: number;
}

export class SignalActionsView {
  @ApiProperty({ enum: ACTIONS }) scope_drift: string;
  @ApiProperty({ enum: ACTIONS }) post_checkout_access: string;
  @ApiProperty({ enum: ACTIONS }) credential_burst: string;
  @ApiProperty({ enum: ACTIONS }) checkpoint_silence: string;
  @ApiProperty({ enum: ACTIONS }) intent_mismatch: string;
  @ApiProperty({ enum: ACTIONS }) unreported_calls: string;
  @ApiProperty({ enum: ACTIONS }) stolen_passport: string;
}

export class SettingsView {
  @ApiProperty() burst: BurstView;
  @ApiProperty({ description: 'per signal: observe (record only), flag (raise to operators) or revoke' }) actions: SignalActionsView;
  @ApiProperty() revoke_on_warning: boolean;
}

export class SettingsChangedResponse extends SettingsView {
  @ApiProperty(POSITION) position: number;
}

export class LiveReplayedCount {
  @ApiProperty({ type: 'integer', minimum: 0 }) live: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) replayed: number;
}

export class FindingDifferenceView {
  @ApiProperty() findingId: string;
  @ApiProperty({ enum: ['missing_live', 'missing_in_replay', 'different'] }) kind: string;
  @ApiProperty({ required: false, type: Object, additionalProperties: true }) live?: unknown;
  @ApiProperty({ required: false, type: Object, additionalProperties: true }) replayed?: unknown;
}

export class RevocationDifferenceView {
  @ApiProperty() findingId: string;
  @ApiProperty({ enum: ['not_applied', 'unexplained'] }) kind: string;
}

export class ReadModelDifferenceView {
  @ApiProperty() table: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) liveOnly: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) rebuiltOnly: number;
}

export class ReadModelComparisonView {
  @ApiProperty({ type: [ReadModelDifferenceView] }) differences: ReadModelDifferenceView[];
}

/** Every detector and read model rebuilt from history and compared with the live ones. */
export class ReplayResponse {
  @ApiProperty({ type: 'integer', minimum: 0 }) events: number;
  @ApiProperty() findings: LiveReplayedCount;
  @ApiProperty() revocations: LiveReplayedCount;
  @ApiProperty({ type: [FindingDifferenceView] }) differences: FindingDifferenceView[];
  @ApiProperty({ type: [RevocationDifferenceView] }) revocation_differences: RevocationDifferenceView[];
  @ApiProperty() read_models: ReadModelComparisonView;
  @ApiProperty() identical: boolean;
  @ApiProperty({ type: 'number', minimum: 0 }) duration_ms: number;
  @ApiProperty({ type: 'number', minimum: 0 }) events_per_second: number;
}
