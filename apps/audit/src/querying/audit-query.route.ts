import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError } from '@mandate/core';
import { EventStore } from '@mandate/event-store';
import { Allow, CurrentPrincipal, EVENT_STORE, operatorOf, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { AuditQueryDto } from './audit-query.dto';
import { AuditPageResponse } from '../audit.response';

/** The audit read model: what happened, filtered by agent, passport, mission, type and time. */
@Controller('v1/audit')
export class AuditQueryRoute {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  @Allow('admin', 'auditor')
  @ApiOkResponse({ type: AuditPageResponse })
  @ApiOperation({ summary: 'Query the audit trail' })
  async query(@Query() q: AuditQueryDto, @CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    if (q.wait_for_position !== undefined && q.wait_for_position > (await this.store.headPosition())) {
      throw new DomainError('POSITION_NOT_WRITTEN', `no write has reached position ${q.wait_for_position} yet`);
    }
    if (q.wait_for_position !== undefined && !(await this.readModels.waitFor(q.wait_for_position, 10_000))) {
      throw new DomainError('READ_MODELS_BEHIND', `the audit has not reached position ${q.wait_for_position} yet; retry`);
    }
    const limit = q.limit ?? 100;
    const entries = await this.readModels.audit({
      tenantId,
      agentId: q.agent_id,
      jti: q.jti,
      missionId: q.mission_id,
      type: q.type,
      from: q.from && new Date(q.from).toISOString(),
      to: q.to && new Date(q.to).toISOString(),
      afterPosition: q.cursor ? Number(q.cursor) : 0,
      limit,
    });
    return {
      entries: entries.map((e) => ({
        position: e.position, event_id: e.eventId, type: e.type, occurred_at: e.occurredAt,
        actor: { kind: e.actorKind, id: e.actorId }, agent_id: e.agentId, jti: e.jti, mission_id: e.missionId,
        outcome: e.outcome, code: e.code, what: e.what,
      })),
      next_cursor: entries.length === limit ? String(entries[entries.length - 1].position) : null,
      read_models_position: this.readModels.position(),
    };
  }
}
