import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, EventStreamResponse, lastEventIdOf, liveByReading, OpenStreams, operatorOf, Principal, serveFeed, StreamQueryDto } from '@mandate/platform';
import { FindingChange, READ_MODELS, ReadModels } from '@mandate/read-models';
import { securityEventView } from '../finding-view';
import { SecurityEventView } from '../../detector.response';

@Controller('v1/security-events')
export class FindingsStreamRoute {
  constructor(
    private readonly streams: OpenStreams,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
  ) {}

  /**
   * Findings raised to operators, live, and their resolutions: a `security_event` when a finding is raised, a
   * `security_event_resolved` (the finding as it stands, with its resolution) when someone resolves it, so every open
   * console sees a finding leave the open ones wherever it was resolved. Ids are the positions of those events;
   * resumable with Last-Event-ID like the revocation stream. Without it the stream starts with the open findings.
   */
  @Get('stream')
  @Allow('admin', 'operator', 'auditor')
  @EventStreamResponse(['security_event', 'security_event_resolved'], SecurityEventView, 'Findings raised to operators (the open ones first, then live) and their resolutions')
  @ApiOperation({ summary: 'Findings raised to operators and their resolutions, as Server-Sent Events, resumable with Last-Event-ID' })
  async stream(@Query() q: StreamQueryDto, @Headers('last-event-id') lastEventId: string | undefined, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const operator = operatorOf(principal);
    const tenantId = operator.tenantId;
    const resumeFrom = lastEventIdOf(lastEventId, q.last_event_id);
    const changesAfter = (after: number, limit: number) => this.readModels.findingChangesAfter(tenantId, after, limit);

    await this.streams.open(operator, reply, () => serveFeed<FindingChange>(
      reply.raw,
      {
        event: 'security_event',
        eventOf: (c) => (c.kind === 'raised' ? 'security_event' : 'security_event_resolved'),
        // A new subscriber starts with the open findings, read by themselves.
        backlog: resumeFrom === undefined ? (after, limit) => this.readModels.findingChangesAfter(tenantId, after, limit, true) : changesAfter,
        // A raise comes whole with its event, a resolution does not: both are read from the read model, in order.
        live: liveByReading(this.readModels.position(), changesAfter, (wake) => {
          const raised = this.readModels.onSecurityEvents((findings) => findings.some((f) => f.raised && f.tenantId === tenantId) && wake());
          const resolved = this.readModels.onFindingResolutions((changes) => changes.some((c) => c.tenantId === tenantId) && wake());
          return () => (raised(), resolved());
        }),
        data: (c) => securityEventView(c.finding),
      },
      resumeFrom,
    ));
  }
}
