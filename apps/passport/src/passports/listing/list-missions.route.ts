import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Clock } from '@mandate/core';
import { Allow, CLOCK, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { ListMissionsQuery } from './list-missions.query';
import { MissionListResponse } from '../passport.response';

@Controller('v1/missions')
export class ListMissionsRoute {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The tenant's missions, newest first, from the read model: what a console lists before opening one's timeline. */
  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: MissionListResponse })
  @ApiOperation({ summary: "The tenant's missions, newest first, by agent, status and mode (cursor pagination)" })
  async list(@Query() query: ListMissionsQuery, @CurrentPrincipal() principal: Principal) {
    const limit = query.limit ?? 50;
    const missions = await this.readModels.missions({
      tenantId: operatorOf(principal).tenantId,
      agentId: query.agent_id,
      status: query.status,
      mode: query.mode,
      now: this.clock.now().toISOString(),
      beforePosition: query.cursor === undefined ? 0 : Number(query.cursor),
      limit,
    });
    return {
      missions: missions.map((m) => ({
        jti: m.jti, mission_id: m.missionId, agent: { id: m.agentId, name: m.agentName }, accountability_mode: m.accountabilityMode,
        status: m.status, summary: m.summary, services: m.services, issued_at: m.issuedAt, expires_at: m.expiresAt,
      })),
      next_cursor: missions.length === limit ? String(missions[missions.length - 1].position) : null,
    };
  }
}
