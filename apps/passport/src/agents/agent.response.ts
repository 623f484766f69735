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

export class AgentWrittenResponse extends AgentView {
  @ApiProperty(POSITION) position: number;
}

export class AgentListResponse {
  @ApiProperty({ type: [AgentView] }) agents: AgentView[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page; null on the last' }) next_cursor: string | null;
}
