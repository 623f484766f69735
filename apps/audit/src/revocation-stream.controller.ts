import { BeforeApplicationShutdown, Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import { Clock } from '@mandate/core';
import { Allow, CLOCK, CurrentPrincipal, Principal, lastEventIdOf, operatorOf, serveFeed } from '@mandate/platform';
import { READ_MODELS, ReadModels, Revocation, revocationView } from '@mandate/read-models';

export class StreamQueryDto {
  /** For clients that cannot set headers (EventSource in a browser after a manual reconnect). */
  @IsOptional() @Matches(/^\d{1,15}$/) last_event_id?: string;
}

/** Ends open streams on shutdown: streams never end on their own, and clients resume with Last-Event-ID. */
export class OpenStreams implements BeforeApplicationShutdown {
  private readonly ends = new Set<() => void>();

  track(end: () => void, raw: { on(event: 'close', listener: () => void): void }): void {
    this.ends.add(end);
    raw.on('close', () => this.ends.delete(end));
  }

  beforeApplicationShutdown(): void {
    this.ends.forEach((end) => end());
  }
}

/**
 * Revocations as Server-Sent Events, one per passport. Without Last-Event-ID the stream starts with every revocation
 * whose token has not yet expired: what an offline verifier must still refuse.
 */
@Controller('v1/revocations')
export class RevocationStreamController extends OpenStreams {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  @Get('stream')
  @Allow('admin', 'operator', 'auditor')
  async stream(@Query() q: StreamQueryDto, @Headers('last-event-id') lastEventId: string | undefined, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const { tenantId } = operatorOf(principal);
    const resumeFrom = lastEventIdOf(lastEventId, q.last_event_id);
    const end = await serveFeed<Revocation>(
      reply.raw,
      {
        event: 'revocation',
        backlog: (after, limit) => this.readModels.revocationsAfter(tenantId, after, limit),
        live: (listener) => this.readModels.onRevocations((rs) => listener(rs.filter((r) => r.tenantId === tenantId))),
        fresh: (r) => r.tokenExpiresAt > this.clock.now().toISOString(),
        data: revocationView,
      },
      resumeFrom,
    );
    this.track(end, reply.raw);
  }
}
