import { BeforeApplicationShutdown, Controller, Get, Headers, Inject, Logger, Query, Res } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import { Clock, DomainError } from '@mandate/core';
import { Allow, CLOCK, CurrentPrincipal, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels, Revocation } from '@mandate/read-models';

class StreamQueryDto {
  /** For clients that cannot set headers (EventSource in a browser after a manual reconnect). */
  @IsOptional() @Matches(/^\d{1,15}$/) last_event_id?: string;
}

const KEEPALIVE_MS = 15_000;

function frame(r: Revocation): string {
  const data = {
    jti: r.jti, agent_id: r.agentId, mission_id: r.missionId, reason: r.reason, scope: r.scope,
    revoked_by: { kind: r.revokedByKind, id: r.revokedBy }, revoked_at: r.revokedAt, exp: r.tokenExpiresAt,
  };
  return `id: ${r.position}\nevent: revocation\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Revocations as Server-Sent Events, one per passport. The event id is the revocation's global position, so a client
 * that reconnects with Last-Event-ID (after a drop or a server restart) gets exactly what it missed. Without it, the
 * stream starts with every revocation whose token has not yet expired: what an offline verifier must still refuse.
 */
@Controller('v1/revocations')
export class RevocationStreamController implements BeforeApplicationShutdown {
  private readonly logger = new Logger('revocation-stream');
  private readonly open = new Set<{ end(): void }>();

  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('stream')
  @Allow('admin', 'operator', 'auditor')
  async stream(
    @Query() q: StreamQueryDto,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: any,
  ) {
    if (principal.kind !== 'operator') throw new DomainError('FORBIDDEN', 'this route needs a tenant key', 403);
    const resumeFrom = lastEventIdHeader ?? q.last_event_id;
    if (resumeFrom !== undefined && !/^\d{1,15}$/.test(resumeFrom)) {
      throw new DomainError('VALIDATION_FAILED', 'Last-Event-ID must be the id of an event this stream sent', 422);
    }
    const tenantId = principal.tenantId;
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 1000\n\n');

    let sent = resumeFrom !== undefined ? Number(resumeFrom) : 0;
    const onlyUnexpired = resumeFrom === undefined;
    let backlogDone = false;
    const buffered: Revocation[] = [];
    const send = (r: Revocation) => {
      if (r.position <= sent) return;
      if (onlyUnexpired && !backlogDone && r.tokenExpiresAt <= this.clock.now().toISOString()) return;
      raw.write(frame(r));
      sent = r.position;
    };
    // Listen before reading the backlog, so nothing committed in between is lost; positions drop the duplicates.
    const unsubscribe = this.readModels.onRevocations((revocations) => {
      const mine = revocations.filter((r) => r.tenantId === tenantId);
      if (backlogDone) mine.forEach(send);
      else buffered.push(...mine);
    });
    for (;;) {
      const page = await this.readModels.revocationsAfter(tenantId, sent, 500);
      if (page.length === 0) break;
      const before = sent;
      page.forEach(send);
      if (sent === before) sent = page[page.length - 1].position;
    }
    backlogDone = true;
    buffered.forEach(send);
    const keepalive = setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS);
    this.open.add(raw);
    raw.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      this.open.delete(raw);
    });
    this.logger.debug(`revocation subscriber for ${tenantId} from position ${sent}`);
  }

  /** Streams never end on their own; the server ends them so it can stop, and clients resume with Last-Event-ID. */
  beforeApplicationShutdown(): void {
    this.open.forEach((raw) => raw.end());
  }
}
