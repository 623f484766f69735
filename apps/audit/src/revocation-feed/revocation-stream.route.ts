import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Clock } from '@mandate/core';
import { Allow, CLOCK, CurrentPrincipal, EventStreamResponse, lastEventIdOf, OpenStreams, operatorOf, Principal, serveFeed, StreamQueryDto } from '@mandate/platform';
import { READ_MODELS, ReadModels, Revocation, revocationView } from '@mandate/read-models';
import { RevocationEventView } from '../audit.response';

/**
 * Revocations as Server-Sent Events, one per passport. Without Last-Event-ID the stream starts with every revocation
 * whose token has not yet expired: what an offline verifier must still refuse.
 */
@Controller('v1/revocations')
export class RevocationStreamRoute {
  constructor(
    private readonly streams: OpenStreams,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('stream')
  @Allow('admin', 'operator', 'auditor')
  @EventStreamResponse('revocation', RevocationEventView, 'Revocations of the tenant: those whose token has not expired first, then live')
  @ApiOperation({ summary: 'Revocations as Server-Sent Events, resumable with Last-Event-ID' })
  async stream(@Query() q: StreamQueryDto, @Headers('last-event-id') lastEventId: string | undefined, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const operator = operatorOf(principal);
    const { tenantId } = operator;
    const resumeFrom = lastEventIdOf(lastEventId, q.last_event_id);
    await this.streams.open(operator, reply, () => serveFeed<Revocation>(
      reply.raw,
      {
        event: 'revocation',
        backlog: (after, limit) => this.readModels.revocationsAfter(tenantId, after, limit),
        live: (listener) => this.readModels.onRevocations((rs) => listener(rs.filter((r) => r.tenantId === tenantId))),
        fresh: (r) => r.tokenExpiresAt > this.clock.now().toISOString(),
        data: revocationView,
      },
      resumeFrom,
    ));
  }
}
