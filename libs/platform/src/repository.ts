import { Decider, DomainEvent, newEventId, RecordedEvent, Actor, CURRENT_SCHEMA_VERSION } from '@mandate/core';
import { EventStore, WrongExpectedVersion } from '@mandate/event-store';

export interface CommandContext {
  tenantId: string;
  actor: Actor;
  now: string;
  correlationId: string;
  causationId?: string | null;
}

export interface Executed<S> {
  state: S;
  version: number;
  events: RecordedEvent[];
  /** Where a reader waits to see this write; the stream head when the command changed nothing. */
  position: number;
}

interface Cached {
  state: unknown;
  version: number;
}

const MAX_CACHED_STREAMS = 200_000;
const MAX_ATTEMPTS = 8;

/**
 * Load by version → decide → append with the expected version, retrying when another writer got there first.
 * Folded states are cached per stream and brought up to date with the events after the cached version, so a hot
 * mission costs one indexed read, not a replay of its whole history.
 */
export class AggregateRepository {
  private readonly cache = new Map<string, Cached>();
  /** The tail of each stream's queue of commands in this process. */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(private readonly store: EventStore) {}

  async load<S>(
    decider: Pick<Decider<unknown, any, S>, 'evolve' | 'initialState'>,
    streamId: string,
    options: { fresh?: boolean } = {},
  ): Promise<{ state: S; version: number }> {
    const cached = this.cache.get(streamId) as { state: S; version: number } | undefined;
    // A sole writer's cache is current: every append to this stream went through this repository.
    if (cached && this.store.soleWriter && !options.fresh) return cached;
    let state = cached?.state ?? decider.initialState;
    let version = cached?.version ?? 0;
    const newer = await this.store.readStream(streamId, version);
    for (const event of newer) {
      state = decider.evolve(state, event as never);
      version = event.streamVersion;
    }
    if (newer.length > 0 || !cached) this.remember(streamId, { state, version });
    return { state, version };
  }

  /**
   * The commands of one stream run one at a time in this process, so racing requests (twenty agents using one
   * approval) each get the decider's answer instead of a version conflict. Writers in other processes (a shared store)
   * are met by the retry below, which reloads the stream.
   */
  execute<C, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    streamId: string,
    command: C | ((state: S) => C),
    context: CommandContext,
  ): Promise<Executed<S>> {
    const previous = this.turns.get(streamId) ?? Promise.resolve();
    const mine = previous.then(() => this.attempt(decider, streamId, command, context));
    const tail = mine.catch(() => undefined);
    this.turns.set(streamId, tail);
    void tail.then(() => {
      if (this.turns.get(streamId) === tail) this.turns.delete(streamId);
    });
    return mine;
  }

  private async attempt<C, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    streamId: string,
    command: C | ((state: S) => C),
    context: CommandContext,
  ): Promise<Executed<S>> {
    for (let attempt = 1; ; attempt++) {
      // After a conflict, read what the other writer appended instead of trusting the cache.
      const { state, version } = await this.load(decider, streamId, { fresh: attempt > 1 });
      const resolved = typeof command === 'function' ? (command as (s: S) => C)(state) : command;
      const decided = decider.decide(resolved, state);
      if (decided.length === 0) return { state, version, events: [], position: await this.store.headPosition() };
      try {
        const result = await this.store.append(
          streamId,
          decided.map((event) => ({
            id: newEventId(),
            type: event.type,
            data: event.data,
            schemaVersion: CURRENT_SCHEMA_VERSION,
            tenantId: context.tenantId,
            occurredAt: context.now,
            actor: context.actor,
            causationId: context.causationId ?? null,
            correlationId: context.correlationId,
          })),
          version,
        );
        const next = decided.reduce(decider.evolve, state);
        this.remember(streamId, { state: next, version: result.streamVersion });
        return { state: next, version: result.streamVersion, events: result.events, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private remember(streamId: string, entry: Cached): void {
    if (this.cache.size >= MAX_CACHED_STREAMS && !this.cache.has(streamId)) {
      // Oldest-inserted first; a dropped stream is simply re-read on its next use.
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(streamId, entry);
  }
}
