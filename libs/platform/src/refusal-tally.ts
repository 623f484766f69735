import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Clock, DomainError } from '@mandate/core';
import { EventStore } from '@mandate/event-store';
import { missionDecider, missionStream, RefusalAlreadyRecorded, RefusalCount } from '@mandate/missions';
import { commandContext } from './command-context';
import { REFUSAL_DETAIL } from './passport-use';
import { MANDATE_CONFIG, MandateConfig } from './config';
import { AggregateRepository } from './repository';
import { CLOCK, EVENT_STORE } from './tokens';


interface Tally {
  tenantId: string;
  missionId: string;
  from: string;
  refusals: Map<string, RefusalCount>;
}

/**
 * Refused uses of a dead passport that the mission did not store one by one (their kind is already stored in its
 * window) are counted here and written every MANDATE_REFUSAL_COUNT_SECONDS as one PassportUseRefusalsCounted per
 * passport: operators still see every attempt, and the history grows by a bounded number of events whatever the rate.
 * A count still in memory when the process dies is lost; the refusal that opened its window is stored.
 */
@Injectable()
export class RefusalTally implements OnApplicationShutdown {
  private readonly logger = new Logger('refusals');
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: AggregateRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MANDATE_CONFIG) private readonly config: MandateConfig,
  ) {}

  /** Counts a refusal that was answered but not stored, and answers it like the stored one (401 and its code). */
  async answer(refusal: RefusalAlreadyRecorded): Promise<never> {
    const { missionId, tenantId, jti } = refusal.mission;
    const tally = this.tallies.get(missionId) ?? { tenantId, missionId, from: this.clock.now().toISOString(), refusals: new Map() };
    this.tallies.set(missionId, tally);
    const kind = `${refusal.operation}:${refusal.refusal}`;
    const counted = tally.refusals.get(kind) ?? { operation: refusal.operation, code: refusal.refusal, count: 0 };
    counted.count++;
    tally.refusals.set(kind, counted);
    this.timer ??= setInterval(() => void this.flush(), this.config.refusalCountSeconds * 1000).unref();
    throw new DomainError(refusal.refusal, REFUSAL_DETAIL[refusal.refusal], { jti, position: await this.store.headPosition() });
  }

  /** Writes what was counted so far, one event per passport. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const tallies = [...this.tallies.values()];
      this.tallies = new Map();
      if (tallies.length === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
      const to = this.clock.now().toISOString();
      for (const tally of tallies) {
        const context = commandContext({ actor: { kind: 'system', id: 'refusal-tally' } }, tally.tenantId, this.clock);
        await this.repository
          .execute(missionDecider, missionStream(tally.missionId), { type: 'CountRefusals', refusals: [...tally.refusals.values()], from: tally.from, to }, context)
          .catch((error) => this.logger.warn(`refusals of ${tally.missionId} not counted: ${(error as Error).message}`));
      }
    });
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
