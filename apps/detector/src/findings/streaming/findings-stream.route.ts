import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, EventStreamResponse, lastEventIdOf, OpenStreams, operatorOf, Principal, serveFeed, StreamQueryDto } from '@mandate/platform';
import { READ_MODELS, ReadModels, SecurityEventSummary } from '@mandate/read-models';
import { securityEventView } from '../finding-view';
import { SecurityEventView } from '../../detector.response';

@Controller('v1/security-events')
export class FindingsStreamRoute {
  constructor(
    private readonly streams: OpenStreams,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
  ) {}

  /** Findings raised to operators, live; resumable with Last-Event-ID like the revocation stream. */
  @Get('stream')
  @Allow('admin', 'operator', 'auditor')
  @EventStreamResponse('security_event', SecurityEventView, 'Findings raised to operators: the open ones first, then live')
  @ApiOperation({ summary: 'Findings raised to operators, as Server-Sent Events, resumable with Last-Event-ID' })
  async stream(@Query() q: StreamQueryDto, @Headers('last-event-id') lastEventId: string | undefined, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const operator = operatorOf(principal);
    const tenantId = operator.tenantId;
    const resumeFrom = lastEventIdOf(lastEventId, q.last_event_id);
    const raised = (f: SecurityEventSummary) => f.tenantId === tenantId && f.raised;
    await this.streams.open(operator, reply, () => serveFeed<SecurityEventSummary>(
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
    ));
  }
}
