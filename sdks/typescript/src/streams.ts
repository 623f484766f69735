/**
 * Mandate's event streams (Server-Sent Events) as async iterators that survive a server restart.
 *
 * Each event carries its global position as its SSE `id`. When the connection drops (a restart, a proxy timing out),
 * the iterator connects again with `Last-Event-ID` set to the last event it yielded, so the server resumes right after
 * it: nothing is repeated and nothing is lost. A stream the server *ends* on purpose (`event: end`: its key revoked,
 * its tenant disabled) is not resumed: `StreamEnded` says why.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ConnectionFailed, ProblemError, StreamEnded } from './errors.js';
import type { paths } from './generated/openapi.js';
import { sleep } from './retry.js';
import type { Logger } from './transport.js';

type FrameOf<Path extends '/v1/revocations/stream' | '/v1/security-events/stream'> =
  paths[Path]['get']['responses'][200]['content']['text/event-stream'];

/** One event of a stream: its id (the position, as the server sent it), its kind, its data, and the position. */
export type StreamEvent<Frame extends { id: string }> = Frame & { position: number };
export type RevocationFrame = FrameOf<'/v1/revocations/stream'>;
export type FindingFrame = FrameOf<'/v1/security-events/stream'>;
export type RevocationEvent = StreamEvent<RevocationFrame>;
export type FindingEvent = StreamEvent<FindingFrame>;

export interface StreamOptions {
  /** Resume after this event (the `id` of the last one handled, e.g. kept across runs of the caller). */
  lastEventId?: string;
  /** `false`: a dropped connection ends the iteration with an error instead of resuming. */
  reconnect?: boolean;
  signal?: AbortSignal;
}

/** How long to wait before connecting again when the server's `retry:` field says nothing, and at most. */
const RECONNECT_MS = 1_000;
const MAX_RECONNECT_MS = 15_000;
/** Answers after which connecting again may work: a quota freed, a busy or restarting server or front door. */
const RECONNECTABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Opens the stream once, resuming after `lastEventId`; throws a typed error when refused. */
export type OpenStream = (lastEventId: string | undefined) => Promise<ReadableStream<Uint8Array> | null>;

export async function* follow<Frame extends { id: string }>(
  path: string,
  open: OpenStream,
  logger: Logger,
  { lastEventId, reconnect = true, signal }: StreamOptions,
): AsyncGenerator<StreamEvent<Frame>, never, undefined> {
  let resumeAfter = lastEventId;
  let failures = 0;
  let serverRetryMs: number | undefined;
  for (;;) {
    let drop: unknown;
    try {
      const body = await open(resumeAfter);
      if (!body) throw new ConnectionFailed(`${path}: an answer without a body`, { neverSent: false });
      const frames: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (frame) => frames.push(frame), onRetry: (ms) => (serverRetryMs = ms) });
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
          for (const frame of frames.splice(0)) {
            if (frame.event === 'end') throw new StreamEnded(endCode(frame.data));
            if (frame.id === undefined) continue;
            const event = { id: frame.id, event: frame.event ?? 'message', data: JSON.parse(frame.data) as unknown, position: Number(frame.id) };
            resumeAfter = frame.id;
            failures = 0;
            yield event as unknown as StreamEvent<Frame>;
          }
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!isDrop(error)) throw error;
      drop = error;
    }
    if (!reconnect) throw drop ?? new StreamEnded('DISCONNECTED');
    failures += 1;
    const retryAfterMs = drop instanceof ProblemError && drop.retryAfter !== undefined ? drop.retryAfter * 1000 : undefined;
    const delay = retryAfterMs ?? Math.min(MAX_RECONNECT_MS, (serverRetryMs ?? RECONNECT_MS) * 2 ** Math.min(failures - 1, 4));
    logger.info(`mandate: stream ${path} dropped (${drop ?? 'closed'}); resuming after ${resumeAfter ?? 'the start'} in ${delay} ms`);
    await sleep(delay, signal);
  }
}

/** A connection that ended or failed, or an answer after which connecting again may work; not a refusal or a bug. */
export function isDrop(error: unknown): boolean {
  if (error instanceof ProblemError) return RECONNECTABLE_STATUSES.has(error.status);
  // A body cut mid-way is undici's TypeError ("terminated"), recognised by name: it may come from another realm.
  return error instanceof ConnectionFailed || (error as { name?: unknown } | null)?.name === 'TypeError';
}

function endCode(data: string): string {
  try {
    const code = (JSON.parse(data || '{}') as { code?: unknown }).code;
    return typeof code === 'string' ? code : 'ENDED';
  } catch {
    return 'ENDED';
  }
}
