import { canonicalJson, chainLink, RecordedEvent } from '@mandate/core';
import { AppendResult, DuplicateEventId, StreamAppend, WrongExpectedVersion } from './event-store';
import { placed } from './stored-event';

/** What a store held before the group commit began: where a write overlay looks for what it did not write. */
export interface StoreHeads {
  streamVersion(streamId: string): number;
  chainHead(tenantId: string): string;
}

/** An event decided in a group commit, with the canonical text its chain link was taken over. */
export interface LinkedEvent {
  event: RecordedEvent;
  body: string;
  link: string;
}

/**
 * The writes a group commit has decided, over what its store held before. Each pending append is decided in a draft
 * over the group's overlay and kept only if every part of it was accepted, so a refused append leaves no version,
 * chain head or event id behind for the appends after it in the same group.
 */
export class WriteOverlay implements StoreHeads {
  /** In position order. */
  readonly linked: LinkedEvent[] = [];
  private readonly versions = new Map<string, number>();
  private readonly chains = new Map<string, string>();
  private readonly ids = new Set<string>();

  constructor(public head: number, private readonly below: StoreHeads) {}

  streamVersion(streamId: string): number {
    return this.versions.get(streamId) ?? this.below.streamVersion(streamId);
  }

  chainHead(tenantId: string): string {
    return this.chains.get(tenantId) ?? this.below.chainHead(tenantId);
  }

  /** Whether an earlier append of this group (or of this draft) took the id. */
  tookEventId(eventId: string): boolean {
    return this.ids.has(eventId) || (this.below instanceof WriteOverlay && this.below.tookEventId(eventId));
  }

  /** The streams written and their versions after the group. */
  streamVersions(): ReadonlyMap<string, number> {
    return this.versions;
  }

  /** The tenants written and their chain heads after the group. */
  chainHeads(): ReadonlyMap<string, string> {
    return this.chains;
  }

  draft(): WriteOverlay {
    return new WriteOverlay(this.head, this);
  }

  /** Makes a draft taken from this overlay part of it. */
  keep(draft: WriteOverlay): void {
    draft.linked.forEach((linked) => this.add(linked));
  }

  /**
   * Decides a part that is not a retry: checks its expected version and event ids, then numbers, serialises and links
   * its events at the end of this overlay. It can throw after adding some of them: callers decide in a draft.
   */
  decide(part: StreamAppend, isStored: (eventId: string) => boolean): LinkedEvent[] {
    const { streamId, events, expectedVersion } = part;
    const current = this.streamVersion(streamId);
    if (expectedVersion !== 'any' && expectedVersion !== current) throw new WrongExpectedVersion(streamId, expectedVersion, current);
    return events.map((event, i) => {
      if (this.tookEventId(event.id) || isStored(event.id)) throw new DuplicateEventId(event.id);
      const recorded: RecordedEvent = { ...placed(event, streamId, current + i + 1), position: this.head + 1 };
      const body = canonicalJson(recorded);
      const linked = { event: recorded, body, link: chainLink(this.chainHead(event.tenantId), body) };
      this.add(linked);
      return linked;
    });
  }

  private add(linked: LinkedEvent): void {
    const { event, link } = linked;
    this.head = event.position;
    this.versions.set(event.streamId, event.streamVersion);
    this.chains.set(event.tenantId, link);
    this.ids.add(event.id);
    this.linked.push(linked);
  }
}

export function appendResult(events: RecordedEvent[]): AppendResult {
  const last = events[events.length - 1];
  return { streamVersion: last.streamVersion, position: last.position, events };
}

/** The refusal every store gives before queueing a call that could not be stored as asked. */
export function malformedAppend(parts: StreamAppend[]): Error | null {
  if (parts.length === 0) return new Error('appendMany needs at least one part');
  if (parts.some((part) => part.events.length === 0)) return new Error('append needs at least one event');
  return null;
}
