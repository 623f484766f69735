import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DomainError } from '@mandate/core';
import { ChainVerifier } from '@mandate/audit';
import { EventStore } from '@mandate/event-store';
import { Allow, CurrentPrincipal, EVENT_STORE, Principal, operatorOf } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';

class AuditQueryDto {
  @IsOptional() @IsString() @MaxLength(100) agent_id?: string;
  @IsOptional() @IsString() @MaxLength(100) jti?: string;
  @IsOptional() @IsString() @MaxLength(100) mission_id?: string;
  @IsOptional() @IsString() @Matches(/^[A-Z][A-Za-z]{1,80}$/, { message: 'type is an event type such as ToolCallLogged' }) type?: string;
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'cursor is the next_cursor of a previous page' }) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  /** Read-your-writes: wait (up to 10 s) until the audit holds the write that answered with this position. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) wait_for_position?: number;
}

class ExportQueryDto {
  @IsOptional() @Matches(/^\d{1,15}$/) after_position?: string;
}

const PAGE = 1000;

@Controller('v1/audit')
export class AuditController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  @Allow('admin', 'auditor')
  async query(@Query() q: AuditQueryDto, @CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    if (q.wait_for_position !== undefined && q.wait_for_position > (await this.store.headPosition())) {
      throw new DomainError('POSITION_NOT_WRITTEN', `no write has reached position ${q.wait_for_position} yet`, 422);
    }
    if (q.wait_for_position !== undefined && !(await this.readModels.waitFor(q.wait_for_position, 10_000))) {
      throw new DomainError('READ_MODELS_BEHIND', `the audit has not reached position ${q.wait_for_position} yet; retry`, 503);
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
        outcome: e.outcome, code: e.code,
      })),
      next_cursor: entries.length === limit ? String(entries[entries.length - 1].position) : null,
      read_models_position: this.readModels.position(),
    };
  }

  /** Every raw event of the tenant, one JSON object a line, each with its chain link so anyone can re-check it. */
  @Get('export')
  @Allow('admin', 'auditor')
  async export(@Query() q: ExportQueryDto, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const tenantId = operatorOf(principal).tenantId;
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    let after = q.after_position ? Number(q.after_position) : 0;
    for (;;) {
      const page = await this.store.readTenantChain(tenantId, after, PAGE);
      if (page.length === 0) break;
      const chunk = page.map(({ event, chainHash }) => JSON.stringify({ ...event, chainHash })).join('\n') + '\n';
      if (!reply.raw.write(chunk)) await new Promise((resume) => reply.raw.once('drain', resume));
      after = page[page.length - 1].event.position;
      if (reply.raw.destroyed) return;
    }
    reply.raw.end();
  }

  /** Recomputes the tenant's hash chain from the stored events and names the first event that does not match. */
  @Get('verify')
  @Allow('admin', 'auditor')
  async verify(@CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    const verifier = new ChainVerifier();
    let after = 0;
    for (;;) {
      const page = await this.store.readTenantChain(tenantId, after, PAGE);
      if (page.length === 0 || !verifier.feed(page)) break;
      after = page[page.length - 1].event.position;
    }
    return { ok: verifier.firstBreak === null, checked: verifier.checked, first_break: verifier.firstBreak };
  }
}
