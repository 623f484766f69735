import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty } from '@nestjs/swagger';
import { EventStore } from '@mandate/event-store';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { Allow } from './auth';
import { Metrics } from './metrics';
import { EVENT_STORE } from './platform.module';
import { sendProblem, problem } from './problem';

export class HealthResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

export class ReadinessResponse {
  @ApiProperty({ enum: ['ready'] }) status: 'ready';
  @ApiProperty({ required: false, type: 'integer', minimum: 0, description: 'how far the read models have read (a service)' }) position?: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: "the store's last position" }) head: number;
  @ApiProperty({ required: false, type: Object, additionalProperties: true, description: "the front door: each service's own answer" })
  services?: Record<string, unknown>;
}

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
  @ApiOkResponse({ type: HealthResponse })
  @ApiOperation({ summary: 'Liveness: the process answers' })
  health() {
    return { status: 'ok' };
  }

  /** Ready once the read models have caught up with the history that existed at start-up. */
  @Get('readyz')
  @Allow('public')
  @ApiOkResponse({ type: ReadinessResponse, description: 'the read models have caught up with the history there was at start-up (503 CATCHING_UP until then)' })
  @ApiOperation({ summary: 'Readiness: read models caught up' })
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
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @ApiOperation({ summary: 'Prometheus metrics' })
  async metricsText(@Res() reply: any) {
    reply.header('content-type', this.metrics.contentType).send(await this.metrics.render());
  }
}
