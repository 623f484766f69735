import { ApiProperty } from '@nestjs/swagger';
import { ACCOUNTABILITY_MODES, AccountabilityMode } from '@mandate/agents';
import { POSITION } from '@mandate/platform';

export class AgentView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: ACCOUNTABILITY_MODES }) accountability_mode: AccountabilityMode;
  @ApiProperty({ enum: ['active', 'suspended'] }) status: 'active' | 'suspended';
  @ApiProperty({ format: 'date-time' }) registered_at: string;
}

export class CeilingView {
  @ApiProperty({ type: [String], description: 'services the agent may name in the missions it opens itself' }) allowed_services: string[];
  @ApiProperty({ type: 'integer', minimum: 60 }) max_ttl_seconds: number;
  @ApiProperty({ type: 'integer', minimum: 1 }) max_concurrent_missions: number;
}

/** One agent, with what it may open itself and the keys it holds. */
export class AgentDetailView extends AgentView {
  @ApiProperty({ type: CeilingView, nullable: true, description: 'what the agent may open for itself with its own key; null: nothing' }) ceiling: CeilingView | null;
  @ApiProperty({ type: [String], description: 'thumbprints (RFC 7638) of its enrolled keys that are not revoked' }) active_keys: string[];
}

export class AgentWrittenResponse extends AgentDetailView {
  @ApiProperty(POSITION) position: number;
}

export class AgentListResponse {
  @ApiProperty({ type: [AgentView] }) agents: AgentView[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page; null on the last' }) next_cursor: string | null;
}
