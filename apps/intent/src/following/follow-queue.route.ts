import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, EventStreamResponse, lastEventIdOf, liveByReading, OpenStreams, operatorOf, Principal, serveFeed, StreamQueryDto } from '@mandate/platform';
import { IntentSummary, READ_MODELS, ReadModels } from '@mandate/read-models';
import { IntentSummaryView } from '../intent.response';
import { intentSummaryView } from '../intent-view';

/**
 * The approval queue as Server-Sent Events, so a console shows a new intent, an approval given elsewhere or a
 * decision the moment it commits instead of at its next poll. The feed is of intents, not of events: each frame is one
 * intent at its current state, with the position of its last change as its id. Without Last-Event-ID it starts with
 * the pending intents; with it, every intent that changed since, once, at its state now (an intent that changed twice
 * while the client was away is sent once, as it stands), then live.
 */
@Controller('v1/intents')
export class FollowQueueRoute {
  constructor(
    private readonly streams: OpenStreams,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
  ) {}

  @Get('stream')
  @Allow('admin', 'approver', 'operator', 'auditor')
  @EventStreamResponse('intent', IntentSummaryView, 'Intents of the tenant as they change: the pending ones first, then each submission, approval and decision')
  @ApiOperation({ summary: 'The approval queue as Server-Sent Events, resumable with Last-Event-ID' })
  async stream(@Query() q: StreamQueryDto, @Headers('last-event-id') lastEventId: string | undefined, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const operator = operatorOf(principal);
    const { tenantId } = operator;
    const resumeFrom = lastEventIdOf(lastEventId, q.last_event_id);
    const changedAfter = (after: number, limit: number) => this.readModels.intentsChangedAfter(tenantId, after, limit);
    await this.streams.open(operator, reply, () => serveFeed<IntentSummary>(
      reply.raw,
      {
        event: 'intent',
        // A new subscriber starts with the pending intents, read by themselves (not by reading every intent there was).
        backlog: resumeFrom === undefined ? (after, limit) => this.readModels.intentsChangedAfter(tenantId, after, limit, true) : changedAfter,
        // A change says where, not what: the rows changed since the last one read say what, each at its state.
        live: liveByReading(this.readModels.position(), changedAfter, (wake) =>
          this.readModels.onQueueChanges((changes) => changes.some((c) => c.tenantId === tenantId) && wake()),
        ),
        data: intentSummaryView,
      },
      resumeFrom,
    ));
  }
}
