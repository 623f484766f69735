import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError } from '@mandate/core';
import { EventStore } from '@mandate/event-store';
import { Allow, CurrentPrincipal, EVENT_STORE, operatorOf, Principal } from '@mandate/platform';
import { AuditEntry } from '@mandate/audit';
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
    const ends = await this.endsOfStartedCalls(tenantId, entries);
    return {
      entries: entries.map((e) => withEnd(e, ends)).map((e) => ({
        position: e.position, event_id: e.eventId, type: e.type, occurred_at: e.occurredAt,
        actor: { kind: e.actorKind, id: e.actorId }, agent_id: e.agentId, jti: e.jti, mission_id: e.missionId,
        outcome: e.outcome, code: e.code, what: e.what,
      })),
      next_cursor: entries.length === limit ? String(entries[entries.length - 1].position) : null,
      read_models_position: this.readModels.position(),
    };
  }

  /**
   * For each proxied call started on this page, how it ended, found among its mission's ended calls after it (calls
   * end soon after they start: the first page of ends is where it is). A start with no end reads as outcome unknown:
   * the call is under way, or the process died while it was (its answer, if any, never reached the agent).
   */
  private async endsOfStartedCalls(tenantId: string, entries: AuditEntry[]): Promise<Map<string, AuditEntry>> {
    const ends = new Map<string, AuditEntry>();
    const started = entries.filter((e) => e.type === 'ProxiedCallStarted' && e.missionId);
    const missions = new Map<string, number>();
    for (const e of started) missions.set(e.missionId!, Math.min(missions.get(e.missionId!) ?? Infinity, e.position));
    for (const [missionId, after] of missions) {
      const page = await this.readModels.audit({ tenantId, missionId, type: 'ProxiedCallEnded', afterPosition: after, limit: 1000 });
      for (const end of page) ends.set(String(end.what?.call_id), end);
    }
    return ends;
  }
}

function withEnd(entry: AuditEntry, ends: Map<string, AuditEntry>): AuditEntry {
  if (entry.type !== 'ProxiedCallStarted') return entry;
  const end = ends.get(String(entry.what?.call_id));
  return { ...entry, what: { ...entry.what, outcome: end ? end.what?.outcome : 'unknown', ...(end ? { ended_at_position: end.position } : {}) } };
}
