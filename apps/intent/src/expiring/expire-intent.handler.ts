import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@mandate/core';
import { intentDecider, IntentFacts, intentStream } from '@mandate/intents';
import { CLOCK, Decisions } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { IntentChanges } from '../intent-access';

const SWEEP_EVERY_MS = 1000;
const SWEEP_BATCH = 200;

export class ExpireIntent {
  constructor(readonly intentId: string, readonly tenantId: string) {}
}

/** A pending intent past its deadline expires: the decider says whether it is due, so asking twice changes nothing. */
@CommandHandler(ExpireIntent)
export class ExpireIntentHandler implements ICommandHandler<ExpireIntent> {
  constructor(
    private readonly decisions: Decisions,
    private readonly changes: IntentChanges,
  ) {}

  async execute({ intentId, tenantId }: ExpireIntent): Promise<IntentFacts> {
    const decision = this.decisions.by({ actor: { kind: 'system', id: 'expiry' } }, tenantId);
    const executed = await decision.execute(intentDecider, intentStream(intentId), { type: 'ExpireIntent', now: decision.context.now });
    if (executed.events.length > 0) this.changes.changed(intentId);
    return executed.state as IntentFacts;
  }
}

/** Pending intents expire at their deadline even when nobody asks about them; only the intent service runs this. */
@Injectable()
export class ExpirySweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('intents');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly commands: CommandBus,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch((e) => this.logger.error(`expiry sweep failed: ${e}`)), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    const due = await this.readModels.dueIntents(this.clock.now().toISOString(), SWEEP_BATCH);
    for (const { intentId, tenantId } of due) await this.commands.execute(new ExpireIntent(intentId, tenantId));
    return due.length;
  }
}
