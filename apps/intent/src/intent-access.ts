import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DomainError, ID_PATTERNS } from '@mandate/core';
import { intentDecider, IntentFacts, IntentState, intentStream, INTENT_STREAM_PREFIX } from '@mandate/intents';
import { AggregateRepository, Principal, tenantOfMission } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';

/** Reads one intent as a caller may see it: its own passport's, or any of the operator's tenant; else not found. */
@Injectable()
export class IntentAccess {
  constructor(private readonly repository: AggregateRepository) {}

  async load(intentId: string): Promise<IntentState> {
    if (!ID_PATTERNS.intent.test(intentId)) return { status: 'none' };
    return (await this.repository.load(intentDecider, intentStream(intentId))).state;
  }

  async visible(principal: Principal, intentId: string): Promise<IntentFacts> {
    const state = await this.load(intentId);
    const notFound = new DomainError('NOT_FOUND', `intent ${intentId} was not found`);
    if (state.status === 'none' || state.status === 'refused' || principal.kind === 'admin') throw notFound;
    if (principal.tenantId !== (await this.tenantOf(state))) throw notFound;
    if (principal.kind === 'passport' && principal.claims.jti !== state.jti) throw notFound;
    return state;
  }

  tenantOf(intent: IntentFacts): Promise<string | null> {
    return tenantOfMission(this.repository, intent.missionId);
  }
}

/**
 * Long-polls waiting on an intent. Every command on an intent in this process wakes them, and in distributed mode so
 * does a decision another process took, as the read models learn of it.
 */
@Injectable()
export class IntentChanges implements OnModuleInit, OnModuleDestroy {
  private readonly waiters = new Map<string, Set<() => void>>();
  private stopWatching: (() => void) | null = null;

  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModels) {}

  onModuleInit(): void {
    this.stopWatching =
      this.readModels.onIntentChanges?.((streamIds) => {
        for (const streamId of streamIds) this.changed(streamId.slice(INTENT_STREAM_PREFIX.length));
      }) ?? null;
  }

  onModuleDestroy(): void {
    this.stopWatching?.();
  }

  changed(intentId: string): void {
    this.waiters.get(intentId)?.forEach((wake) => wake());
  }

  /** Resolves on the next change of the intent, or after the timeout. Watch first, then read: nothing slips between. */
  watch(intentId: string, timeoutMs: number): { happened: Promise<void>; cancel(): void } {
    let wake!: () => void;
    const happened = new Promise<void>((resolve) => {
      const set = this.waiters.get(intentId) ?? new Set();
      this.waiters.set(intentId, set);
      wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(intentId);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, timeoutMs));
      set.add(wake);
    });
    return { happened, cancel: wake };
  }
}
