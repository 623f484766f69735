import { ApiProperty } from '@nestjs/swagger';
import { ActorView, AnyJsonValue } from '@mandate/platform';

export class AuditEntryView {
  @ApiProperty({ type: 'integer', minimum: 1 }) position: number;
  @ApiProperty() event_id: string;
  @ApiProperty({ description: 'the event type, e.g. ToolCallLogged' }) type: string;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty() actor: ActorView;
  @ApiProperty({ type: String, nullable: true }) agent_id: string | null;
  @ApiProperty({ type: String, nullable: true }) jti: string | null;
  @ApiProperty({ type: String, nullable: true }) mission_id: string | null;
  @ApiProperty({ enum: ['ok', 'refused'] }) outcome: string;
  @ApiProperty({ type: String, nullable: true, description: 'the refusal code, for a refused use' }) code: string | null;
  @ApiProperty({ type: Object, additionalProperties: true, nullable: true, description: "what happened, in the event's own terms" })
  what: Record<string, unknown> | null;
}

export class AuditPageResponse {
  @ApiProperty({ type: [AuditEntryView] }) entries: AuditEntryView[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page; null on the last' }) next_cursor: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'how far the audit read model has read' }) read_models_position: number;
}

export class ChainBreakView {
  @ApiProperty({ type: 'integer', minimum: 1 }) position: number;
  @ApiProperty() event_id: string;
  @ApiProperty({ enum: ['hash_mismatch'] }) reason: string;
}

export class ChainVerificationResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'events checked' }) checked: number;
  @ApiProperty({ type: ChainBreakView, nullable: true }) first_break: ChainBreakView | null;
}

/** One line of the export: the stored event as it was chained, with its position and chain hash. */
export class AuditExportLine {
  @ApiProperty() id: string;
  @ApiProperty() type: string;
  @ApiProperty({ type: 'integer' }) schemaVersion: number;
  @ApiProperty() tenantId: string;
  @ApiProperty() streamId: string;
  @ApiProperty({ type: 'integer' }) streamVersion: number;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty() actor: ActorView;
  @ApiProperty({ type: String, nullable: true }) causationId: string | null;
  @ApiProperty() correlationId: string;
  @ApiProperty({ type: AnyJsonValue, description: "the event's data, as stored" }) data: unknown;
  @ApiProperty({ type: 'integer', minimum: 1 }) position: number;
  @ApiProperty({ description: 'sha-256 over the previous link and this canonical text' }) chainHash: string;
}

/** The data of one `revocation` event of the stream. */
export class RevocationEventView {
  @ApiProperty() jti: string;
  @ApiProperty() agent_id: string;
  @ApiProperty() mission_id: string;
  @ApiProperty() reason: string;
  @ApiProperty() scope: string;
  @ApiProperty() revoked_by: ActorView;
  @ApiProperty({ format: 'date-time' }) revoked_at: string;
  @ApiProperty({ format: 'date-time', description: "the token's own expiry: refuse it until then" }) exp: string;
}
