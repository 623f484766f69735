import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import { DomainError } from '@mandate/core';
import { READ_MODELS, ReadModels, TenantChange } from '@mandate/read-models';
import { TenantStates } from './tenant-states';
import { Metrics } from './metrics';

const KEEPALIVE_MS = 15_000;
/** How many items a backlog page or a live read takes at a time. */
const FEED_PAGE = 500;

export interface FeedItem {
  position: number;
}

export interface Feed<T extends FeedItem> {
  /** Items after a position, oldest first, at most `limit`. */
  backlog(afterPosition: number, limit: number): Promise<T[]>;
  /** Live items as they commit; returns the unsubscribe. */
  live(listener: (items: T[]) => void): () => void;
  /** Without Last-Event-ID: whether an item of the backlog is still worth sending. */
  fresh?(item: T): boolean;
  event: string;
  /** The event type of an item, where a feed sends more than one (default: `event`). */
  eventOf?(item: T): string;
  data(item: T): unknown;
}

/** Parses Last-Event-ID (header, or query for clients that cannot set it): a position this feed sent. */
export function lastEventIdOf(header: string | undefined, query: string | undefined): number | undefined {
  const raw = header ?? query;
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new DomainError('VALIDATION_FAILED', 'Last-Event-ID must be the id of an event this stream sent');
  return Number(raw);
}

/**
 * Serves a feed as Server-Sent Events whose ids are global positions: a client that reconnects with the last id it saw
 * (after a drop or a server restart) gets exactly what it missed. The live listener is attached before the backlog is
 * read, so nothing committed in between is lost; positions drop the duplicates. Returns a function that ends the stream.
 */
export async function serveFeed<T extends FeedItem>(raw: any, feed: Feed<T>, resumeFrom: number | undefined): Promise<() => void> {
  // A stream can be ended (its key revoked) while its backlog is still being read: nothing is written after that.
  const write = (text: string) => !raw.writableEnded && !raw.destroyed && raw.write(text);
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  write('retry: 1000\n\n');
  let sent = resumeFrom ?? 0;
  let backlogDone = false;
  const buffered: T[] = [];
  const send = (item: T, fromBacklog: boolean) => {
    if (item.position <= sent) return;
    sent = item.position;
    if (fromBacklog && resumeFrom === undefined && feed.fresh && !feed.fresh(item)) return;
    write(`id: ${item.position}\nevent: ${feed.eventOf?.(item) ?? feed.event}\ndata: ${JSON.stringify(feed.data(item))}\n\n`);
  };
  const unsubscribe = feed.live((items) => (backlogDone ? items.forEach((i) => send(i, false)) : buffered.push(...items)));
  for (;;) {
    const page = await feed.backlog(sent, FEED_PAGE);
    if (page.length === 0) break;
    page.forEach((i) => send(i, true));
  }
  backlogDone = true;
  buffered.forEach((i) => send(i, false));
  const keepalive = setInterval(() => write(': keep-alive\n\n'), KEEPALIVE_MS);
  const end = () => raw.end();
  raw.on('close', () => {
    clearInterval(keepalive);
    unsubscribe();
  });
  return end;
}

/**
 * The live half of a feed whose notifications say where something changed, not what: on each wake it reads the items
 * after the last one it read, one read at a time (a wake during a read asks for one more after it), so the listener
 * gets every item once, in position order, whatever order concurrent reads would have finished in. `startAfter` is
 * where the read models stood when the feed was subscribed; the backlog covers what came before.
 */
export function liveByReading<T extends FeedItem>(
  startAfter: number,
  read: (afterPosition: number, limit: number) => Promise<T[]>,
  wake: (onWake: () => void) => () => void,
): Feed<T>['live'] {
  return (listener) => {
    let after = startAfter;
    let reading = false;
    let again = false;
    let stopped = false;
    const drain = async () => {
      reading = true;
      try {
        do {
          again = false;
          for (;;) {
            const page = await read(after, FEED_PAGE);
            if (stopped || page.length === 0) break;
            after = page[page.length - 1].position;
            listener(page);
            if (page.length < FEED_PAGE) break;
          }
        } while (again && !stopped);
      } catch {
        // Read models not caught up, or closing: the next wake reads from where this one stopped.
      } finally {
        reading = false;
      }
    };
    const unsubscribe = wake(() => {
      if (reading) again = true;
      else void drain();
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  };
}

/** The query of every event stream, for clients that cannot set headers (EventSource after a manual reconnect). */
export class StreamQueryDto {
  @IsOptional() @Matches(/^\d{1,15}$/) last_event_id?: string;
}

/** An open stream as its limits and its ending see it. */
interface OpenStream {
  tenantId: string;
  keyId: string;
  /** Says why, then ends the response. */
  end(code?: string): void;
}

/** How long a client refused for too many streams is told to wait: a stream of its own may close meanwhile. */
export const STREAMS_RETRY_AFTER_SECONDS = 10;

const ENDED_BECAUSE: Record<TenantChange['kind'], string | null> = { key_revoked: 'KEY_REVOKED', disabled: 'TENANT_DISABLED', enabled: null, limits_changed: null, binding_changed: null };

/**
 * Every event stream this process serves: at most N per operator key and per tenant (the tenant's limits), ended when
 * their key is revoked or their tenant disabled (learnt from the event stream, as everything else here is), and on
 * shutdown (clients resume with Last-Event-ID).
 */
@Injectable()
export class OpenStreams implements BeforeApplicationShutdown {
  private readonly streams = new Set<OpenStream>();

  constructor(
    private readonly tenants: TenantStates,
    private readonly metrics: Metrics,
    @Inject(READ_MODELS) readModels: ReadModels,
  ) {
    readModels.onTenantChanges((changes) => {
      for (const change of changes) {
        const code = ENDED_BECAUSE[change.kind];
        if (!code) continue;
        for (const stream of this.streams) {
          if (stream.tenantId === change.tenantId && (change.kind !== 'key_revoked' || stream.keyId === change.keyId)) stream.end(code);
        }
      }
    });
  }

  /**
   * Serves one stream for an operator key if its key and its tenant have a place left, else refuses with
   * `429 TOO_MANY_STREAMS` and Retry-After before anything is written. `serve` writes the stream and returns its end.
   */
  async open(operator: { tenantId: string; keyId: string }, reply: any, serve: () => Promise<() => void>): Promise<void> {
    const { limits } = await this.tenants.facts(operator.tenantId);
    const ofTenant = [...this.streams].filter((s) => s.tenantId === operator.tenantId);
    const ofKey = ofTenant.filter((s) => s.keyId === operator.keyId).length;
    if (ofKey >= limits.streamsPerKey || ofTenant.length >= limits.streamsPerTenant) {
      this.metrics.rateLimited('streams');
      reply.header('retry-after', String(STREAMS_RETRY_AFTER_SECONDS));
      const [what, limit] = ofKey >= limits.streamsPerKey ? ['this key', limits.streamsPerKey] : ['this tenant', limits.streamsPerTenant];
      throw new DomainError('TOO_MANY_STREAMS', `${what} already has ${limit} open event streams here, its limit; close one or retry later`, { limit });
    }
    // Counted from here on, before the first await of `serve`, so that racing requests cannot both take the last place.
    const raw = reply.raw;
    let ended: (() => void) | null = null;
    const stream: OpenStream = {
      ...operator,
      end: (code) => {
        if (code && !raw.writableEnded) raw.write(`event: end\ndata: ${JSON.stringify({ code })}\n\n`);
        if (ended) ended();
        else raw.end();
      },
    };
    this.streams.add(stream);
    raw.on('close', () => this.streams.delete(stream));
    try {
      ended = await serve();
    } catch (error) {
      this.streams.delete(stream);
      throw error;
    }
  }

  beforeApplicationShutdown(): void {
    this.streams.forEach((stream) => stream.end());
  }
}
