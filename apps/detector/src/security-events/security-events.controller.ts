import { randomUUID } from 'crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Clock, CURRENT_SCHEMA_VERSION, DomainError } from '@mandate/core';
import { SIGNALS } from '@mandate/detectors';
import { EventStore } from '@mandate/event-store';
import { Allow, CLOCK, CurrentPrincipal, EVENT_STORE, Principal, lastEventIdOf, operatorOf, serveFeed } from '@mandate/platform';
import { READ_MODELS, ReadModels, SecurityEventSummary } from '@mandate/read-models';
import { OpenStreams, StreamQueryDto } from '../../../audit/src/revocation-stream.controller';
import { DetectorRunner } from '../runner/detector-runner';

class SecurityEventsQuery {
  @IsOptional() @IsIn(SIGNALS) signal?: string;
  @IsOptional() @IsIn(['info', 'warning', 'critical']) severity?: string;
  @IsOptional() @IsString() @MaxLength(100) agent_id?: string;
  @IsOptional() @IsString() @MaxLength(100) jti?: string;
  @IsOptional() @IsIn(['open', 'resolved']) status?: string;
  @IsOptional() @Matches(/^\d{1,15}$/) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  /** Read-your-writes: wait (up to 10 s) until the detectors have handled the event at this position. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) wait_for_position?: number;
}

class ResolveDto {
  @IsString() @MaxLength(1000) note: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function securityEventView(f: SecurityEventSummary) {
  return {
    id: f.findingId, position: f.position, signal: f.signal, severity: f.severity, agent_id: f.agentId, jti: f.jti,
    mission_id: f.missionId, detail: f.detail, evidence: f.evidence, action: f.action, revoked: f.revoke,
    raised_to_operators: f.raised, raised_at: f.raisedAt, status: f.status, resolution: f.resolution,
  };
}

/** Findings: what the detectors raised, their evidence, and operators' acknowledgements. */
@Controller('v1/security-events')
export class SecurityEventsController extends OpenStreams {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly runner: DetectorRunner,
  ) {
    super();
  }

  @Get()
  @Allow('admin', 'operator', 'auditor')
  async list(@Query() q: SecurityEventsQuery, @CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    if (q.wait_for_position !== undefined) await this.detectorsReach(q.wait_for_position);
    const limit = q.limit ?? 100;
    const page = await this.readModels.securityEvents({
      tenantId, signal: q.signal, severity: q.severity, agentId: q.agent_id, jti: q.jti, status: q.status,
      afterPosition: q.cursor ? Number(q.cursor) : 0, limit,
    });
    return { security_events: page.map(securityEventView), next_cursor: page.length === limit ? String(page[page.length - 1].position) : null };
  }

  /** Findings raised to operators, live; resumable with Last-Event-ID like the revocation stream. */
  @Get('stream')
  @Allow('admin', 'operator', 'auditor')
  async stream(@Query() q: StreamQueryDto, @Headers('last-event-id') lastEventId: string | undefined, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const tenantId = operatorOf(principal).tenantId;
    const resumeFrom = lastEventIdOf(lastEventId, q.last_event_id);
    const raised = (f: SecurityEventSummary) => f.tenantId === tenantId && f.raised;
    const end = await serveFeed<SecurityEventSummary>(
      reply.raw,
      {
        event: 'security_event',
        backlog: async (after, limit) => {
          // Pages of every finding, filtered to the raised ones; an empty filtered page must not end the backlog early.
          for (let cursor = after; ; ) {
            const page = await this.readModels.securityEvents({ tenantId, afterPosition: cursor, limit });
            if (page.length === 0) return [];
            const mine = page.filter(raised);
            if (mine.length > 0) return mine;
            cursor = page[page.length - 1].position;
          }
        },
        live: (listener) => this.readModels.onSecurityEvents((fs) => listener(fs.filter(raised))),
        fresh: (f) => f.status === 'open',
        data: securityEventView,
      },
      resumeFrom,
    );
    this.track(end, reply.raw);
  }

  @Get(':id')
  @Allow('admin', 'operator', 'auditor')
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const finding = UUID.test(id) ? await this.readModels.securityEvent(operatorOf(principal).tenantId, id) : null;
    if (!finding) throw new DomainError('NOT_FOUND', `security event ${id} was not found`, 404);
    return securityEventView(finding);
  }

  /** Acknowledge a finding with a note; the acknowledgement is an event, like everything else. */
  @Post(':id/resolve')
  @HttpCode(200)
  @Allow('admin', 'operator')
  async resolve(@Param('id') id: string, @Body() body: ResolveDto, @CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    const finding = UUID.test(id) ? await this.readModels.securityEvent(tenantId, id) : null;
    if (!finding) throw new DomainError('NOT_FOUND', `security event ${id} was not found`, 404);
    if (finding.status === 'resolved') throw new DomainError('ALREADY_RESOLVED', 'this security event is already resolved', 409);
    const now = this.clock.now().toISOString();
    const { position } = await this.store.append(
      `security-${tenantId}`,
      [{ id: randomUUID(), type: 'SecurityEventResolved', schemaVersion: CURRENT_SCHEMA_VERSION, tenantId, occurredAt: now, actor: principal.actor, causationId: id, correlationId: randomUUID(), data: { findingId: id, jti: finding.jti, agentId: finding.agentId, missionId: finding.missionId, note: body.note, at: now } }],
      'any',
    );
    await this.readModels.waitFor(position, 5000);
    return { ...securityEventView((await this.readModels.securityEvent(tenantId, id))!), position };
  }

  private async detectorsReach(position: number): Promise<void> {
    if (position > (await this.store.headPosition())) throw new DomainError('POSITION_NOT_WRITTEN', `no write has reached position ${position} yet`, 422);
    const deadline = Date.now() + 10_000;
    while (this.runner.handledPosition < position) {
      if (Date.now() > deadline) throw new DomainError('DETECTORS_BEHIND', 'the detectors are catching up; retry shortly', 503);
      await this.runner.handledAfter(position, deadline - Date.now());
    }
    await this.readModels.waitFor(await this.store.headPosition(), 5000);
  }
}
