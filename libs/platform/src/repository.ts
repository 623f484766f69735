import { Decider, DomainEvent, RecordedEvent } from '@mandate/core';
import { EventStore, WrongExpectedVersion } from '@mandate/event-store';
import { CommandContext, envelope, IdentifiedEvent } from './command-context';

export type { CommandContext };

export interface Executed<S> {
  state: S;
  version: number;
  events: RecordedEvent[];
  /** Where a reader waits to see this write; the stream head when the command changed nothing. */
  position: number;
}

/** One stream's part of a command that must be decided, and stored, together with others. */
export interface Step<C = any, E extends DomainEvent = any, S = any> {
  decider: Decider<C, E, S>;
  streamId: string;
  command: C | ((state: S) => C);
}

/** What each step decided, before anything is stored. */
export interface Decided<S = unknown> {
  state: S;
  events: IdentifiedEvent[];
}

interface Cached {
  state: unknown;
  version: number;
}

const MAX_CACHED_STREAMS = 200_000;
const MAX_ATTEMPTS = 8;

/**
 * The one write path: load by version → decide → append with the expected version, retrying when another writer got
 * there first. Folded states are cached per stream and brought up to date with the events after the cached version,
 * so a hot mission costs one indexed read, not a replay of its whole history.
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
    return this.loadEntry(decider, streamId, options.fresh ? 'fresh' : 'read');
  }

  /**
   * `read` brings a cached state up to date with what the stream holds now (one indexed read, usually empty); `fresh`
   * does so even for a sole writer; `cached` trusts the cache of a shared store without reading (`unverified`), for a
   * decision whose append will be checked against the stream's version anyway.
   */
  private async loadEntry<S>(
    decider: Pick<Decider<unknown, any, S>, 'evolve' | 'initialState'>,
    streamId: string,
    mode: 'read' | 'fresh' | 'cached',
  ): Promise<{ state: S; version: number; unverified?: boolean }> {
    const cached = this.cache.get(streamId) as { state: S; version: number } | undefined;
    // A sole writer's cache is current: every append to this stream went through this repository.
    if (cached && this.store.soleWriter && mode !== 'fresh') return cached;
    if (cached && mode === 'cached') return { ...cached, unverified: true };
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
   * are met by the retry, which reloads the stream.
   */
  async execute<C, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    streamId: string,
    command: C | ((state: S) => C),
    context: CommandContext,
  ): Promise<Executed<S>> {
    const [executed] = await this.executeTogether([{ decider, streamId, command }], context);
    return executed as Executed<S>;
  }

  /**
   * Several streams decided as one command and stored in one commit (the gate: an approval is spent together with the
   * call it opened, or not at all). `choose` sees every step's decision and says what each stream stores: a refusal in
   * one step can keep the others from being stored. Streams are taken in one turn, so no two commands interleave.
   */
  executeTogether(
    steps: Step[],
    context: CommandContext,
    choose: (decided: Decided[]) => IdentifiedEvent[][] = (decided) => decided.map((d) => d.events),
  ): Promise<Executed<unknown>[]> {
    return this.inTurn(
      steps.map((s) => s.streamId),
      () => this.attempt(steps, context, choose),
    );
  }

  private inTurn<T>(streamIds: string[], run: () => Promise<T>): Promise<T> {
    const previous = Promise.all(streamIds.map((id) => this.turns.get(id) ?? Promise.resolve()));
    const mine = previous.then(run);
    const tail = mine.catch(() => undefined);
    for (const id of streamIds) this.turns.set(id, tail);
    void tail.then(() => {
      for (const id of streamIds) if (this.turns.get(id) === tail) this.turns.delete(id);
    });
    return mine;
  }

  /**
   * With a shared store (distributed mode) the cache is trusted for writes: the append's expected version catches a
   * stale state, and a conflict reloads. A stream that would store nothing has no such check — a passport use that
   * passes appends nothing — so such a decision is taken again on a fresh read before it is answered: a passport
   * revoked by another process a moment ago is never let through on a cached state.
   */
  private async attempt(steps: Step[], context: CommandContext, choose: (decided: Decided[]) => IdentifiedEvent[][]): Promise<Executed<unknown>[]> {
    let conflicts = 0;
    let recheck = false;
    for (;;) {
      // After a conflict, or to confirm a decision that stores nothing, read what other writers appended.
      const mode = conflicts > 0 || recheck ? 'fresh' : 'cached';
      const loaded = await Promise.all(steps.map((s) => this.loadEntry(s.decider, s.streamId, mode)));
      const unverified = loaded.some((l) => l.unverified);
      let decided: Decided[];
      try {
        decided = steps.map((step, i) => {
          const command = typeof step.command === 'function' ? step.command(loaded[i].state) : step.command;
          return { state: loaded[i].state, events: step.decider.decide(command, loaded[i].state) as IdentifiedEvent[] };
        });
      } catch (refusal) {
        // A refusal taken on a cached state is confirmed on a fresh one before it is answered.
        if (!unverified) throw refusal;
        recheck = true;
        continue;
      }
      const chosen = choose(decided);
      if (loaded.some((l, i) => l.unverified && chosen[i].length === 0)) {
        recheck = true;
        continue;
      }
      const parts = steps
        .map((step, i) => ({ step, i, events: chosen[i] }))
        .filter((p) => p.events.length > 0);
      if (parts.length === 0) {
        const head = await this.store.headPosition();
        return loaded.map(({ state, version }) => ({ state, version, events: [], position: head }));
      }
      try {
        const results = await this.store.appendMany(
          parts.map(({ step, i, events }) => ({ streamId: step.streamId, events: events.map((e) => envelope(e, context)), expectedVersion: loaded[i].version })),
        );
        const head = Math.max(...results.map((r) => r.position));
        return loaded.map(({ state, version }, i) => {
          const part = parts.findIndex((p) => p.i === i);
          if (part === -1) return { state, version, events: [], position: head };
          const next = chosen[i].reduce(steps[i].decider.evolve, state);
          this.remember(steps[i].streamId, { state: next, version: results[part].streamVersion });
          return { state: next, version: results[part].streamVersion, events: results[part].events, position: head };
        });
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion) || ++conflicts >= MAX_ATTEMPTS) throw error;
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
