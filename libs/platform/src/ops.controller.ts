import { Controller, Get, Inject, Res } from '@nestjs/common';
import { EventStore } from '@mandate/event-store';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { Allow } from './auth';
import { Metrics } from './metrics';
import { EVENT_STORE } from './platform.module';
import { sendProblem, problem } from './problem';

/** Liveness, readiness and Prometheus metrics for whoever runs Mandate. */
@Controller()
export class OpsController {
  private readyAt: number | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly metrics: Metrics,
  ) {}

  @Get('healthz')
  @Allow('public')
  health() {
    return { status: 'ok' };
  }

  /** Ready once the read models have caught up with the history that existed at start-up. */
  @Get('readyz')
  @Allow('public')
  async ready(@Res() reply: any) {
    const head = await this.store.headPosition();
    this.readyAt ??= head;
    const position = this.readModels.position();
    if (position < this.readyAt) {
      return sendProblem(reply, problem(503, 'CATCHING_UP', `read models at ${position} of ${this.readyAt}`, { position, head }));
    }
    reply.send({ status: 'ready', position, head });
  }

  @Get('metrics')
  @Allow('public')
  async metricsText(@Res() reply: any) {
    reply.header('content-type', this.metrics.contentType).send(await this.metrics.render());
  }
}
