import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { EventStore } from '@mandate/event-store';
import { AggregateRepository, Allow, catchUp, CurrentPrincipal, EVENT_STORE, operatorOf, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { agentView, loadAgentOf } from '../agent-access';
import { ListAgentsQuery } from './list-agents.query';
import { AgentListResponse, AgentDetailView } from '../agent.response';

@Controller('v1/agents')
export class AgentsRoute {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: AgentListResponse })
  @ApiOperation({ summary: 'List agents (cursor pagination)' })
  async list(@Query() query: ListAgentsQuery, @CurrentPrincipal() principal: Principal) {
    const { tenantId } = operatorOf(principal);
    await catchUp(this.store, this.readModels);
    const limit = query.limit ?? 100;
    const agents = await this.readModels.agents(tenantId, query.cursor ?? '', limit);
    return {
      agents: agents.map((a) => ({
        id: a.agentId, name: a.name, description: a.description, accountability_mode: a.accountabilityMode,
        status: a.suspended ? 'suspended' : 'active', registered_at: a.registeredAt,
      })),
      next_cursor: agents.length === limit ? agents[agents.length - 1].agentId : null,
    };
  }

  @Get(':agentId')
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: AgentDetailView })
  @ApiOperation({ summary: 'Get an agent' })
  async get(@Param('agentId') agentId: string, @CurrentPrincipal() principal: Principal) {
    return agentView(await loadAgentOf(this.repository, operatorOf(principal).tenantId, agentId));
  }
}
