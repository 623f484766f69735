import { BeforeApplicationShutdown } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import { DomainError } from '@mandate/core';

const KEEPALIVE_MS = 15_000;

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
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write('retry: 1000\n\n');
  let sent = resumeFrom ?? 0;
  let backlogDone = false;
  const buffered: T[] = [];
  const send = (item: T, fromBacklog: boolean) => {
    if (item.position <= sent) return;
    sent = item.position;
    if (fromBacklog && resumeFrom === undefined && feed.fresh && !feed.fresh(item)) return;
    raw.write(`id: ${item.position}\nevent: ${feed.event}\ndata: ${JSON.stringify(feed.data(item))}\n\n`);
  };
  const unsubscribe = feed.live((items) => (backlogDone ? items.forEach((i) => send(i, false)) : buffered.push(...items)));
  for (;;) {
    const page = await feed.backlog(sent, 500);
    if (page.length === 0) break;
    page.forEach((i) => send(i, true));
  }
  backlogDone = true;
  buffered.forEach((i) => send(i, false));
  const keepalive = setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS);
  const end = () => raw.end();
  raw.on('close', () => {
    clearInterval(keepalive);
    unsubscribe();
  });
  return end;
}

/** The query of every event stream, for clients that cannot set headers (EventSource after a manual reconnect). */
export class StreamQueryDto {
  @IsOptional() @Matches(/^\d{1,15}$/) last_event_id?: string;
}

/** Ends open streams on shutdown: streams never end on their own, and clients resume with Last-Event-ID. */
export class OpenStreams implements BeforeApplicationShutdown {
  private readonly ends = new Set<() => void>();

  track(end: () => void, raw: { on(event: 'close', listener: () => void): void }): void {
    this.ends.add(end);
    raw.on('close', () => this.ends.delete(end));
  }

  beforeApplicationShutdown(): void {
    this.ends.forEach((end) => end());
  }
}
