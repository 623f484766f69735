import { ApiProblem, isAbort, MandateApi, pause, problemOf } from './api';

/** One dispatched Server-Sent Event. */
export interface SseMessage {
  /** The stream's last event id when this one was dispatched (the spec's "last event ID"). */
  id: string;
  event: string;
  data: string;
}

/**
 * The event-stream format, parsed as the HTML standard says (line endings CRLF, LF or CR; comments; multi-line data;
 * `id` without NUL; `retry`), fed with text as it arrives in chunks that may cut a line or a frame anywhere. The
 * console needs its own reader because EventSource cannot send an Authorization header.
 */
export class SseParser {
  /** What the server asked a reconnection to wait, in ms (its `retry:` field). */
  retryMs: number | null = null;
  private buffer = '';
  private started = false;
  private data: string[] = [];
  private event = '';
  private lastEventId = '';

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    if (!this.started && this.buffer.length > 0) {
      this.started = true;
      if (this.buffer.charCodeAt(0) === 0xfeff) this.buffer = this.buffer.slice(1);
    }
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk to tell.
      if (c === 13 && i === this.buffer.length - 1) break;
      const message = this.line(this.buffer.slice(start, i));
      if (message) messages.push(message);
      if (c === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\u0000')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }

  private dispatch(): SseMessage | null {
    const message = this.data.length > 0 ? { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') } : null;
    this.data = [];
    this.event = '';
    return message;
  }
}

export type StreamState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; reason: string }
  /** The server ended it for good (`event: end`: the key revoked, the tenant disabled) or refused the key. */
  | { kind: 'ended'; code: string; reason: string };

export interface FollowOptions {
  path: string;
  /** The event types of the feed to take (`revocation`; `security_event` and `security_event_resolved`); others are ignored. */
  events: readonly string[];
  onEvent(position: number, data: unknown, event: string): void;
  onState(state: StreamState): void;
}

/** Longest wait between two reconnection attempts, however many failed. */
const MAX_RECONNECT_MS = 8000;

/**
 * Follows one of Mandate's event streams until stopped: reads it with fetch, reconnects after a drop (the server's
 * `retry`, doubled after each failure up to 8 s) with `Last-Event-ID` set to the last event seen, and drops any event
 * at or before it. Ids are global positions, so the server sends exactly what was missed: no gap, and a repeat (an
 * event of a backlog already seen live) never reaches `onEvent`.
 *
 * Before any event has arrived there is nothing to resume from: the stream is asked for again as on first load (the
 * revocations still in force, the findings still open), which is also all a freshly opened console would show.
 */
export class StreamFollower {
  private readonly abort = new AbortController();
  private lastSeen: number | null = null;

  constructor(
    private readonly api: MandateApi,
    private readonly options: FollowOptions,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    this.options.onState({ kind: 'connecting' });
    while (!signal.aborted) {
      const parser = new SseParser();
      let reason: string;
      let retryAfterMs = 0;
      try {
        const response = await this.api.stream(this.options.path, this.lastSeen === null ? null : String(this.lastSeen), signal);
        if (!response.ok) {
          const problem = await problemOf(response);
          // A key the server refuses will be refused again: waiting would only hammer it.
          if (response.status === 401 || response.status === 403) return this.options.onState({ kind: 'ended', code: problem.code, reason: problem.message });
          throw problem;
        }
        const ended = await this.read(response, parser, () => {
          failures = 0;
          this.options.onState({ kind: 'live' });
        });
        if (ended) return this.options.onState({ kind: 'ended', code: ended, reason: `the server ended the stream: ${ended}` });
        reason = 'the connection closed';
      } catch (error) {
        if (signal.aborted || isAbort(error)) return;
        reason = error instanceof ApiProblem ? `${error.code}: ${error.message}` : 'Mandate cannot be reached';
        // 429 TOO_MANY_STREAMS says when a place may be free again.
        if (error instanceof ApiProblem && error.retryAfterSeconds !== null) retryAfterMs = error.retryAfterSeconds * 1000;
      }
      this.options.onState({ kind: 'reconnecting', reason });
      const wait = Math.max(retryAfterMs, Math.min(MAX_RECONNECT_MS, (parser.retryMs ?? 1000) * 2 ** failures));
      failures++;
      try {
        await pause(wait, signal);
      } catch {
        return;
      }
    }
  }

  /** Reads frames until the connection closes; returns the code of an `end` frame, or null. */
  private async read(response: Response, parser: SseParser, opened: () => void): Promise<string | null> {
    if (!response.body) return null;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let first = true;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return null;
        // The first block (the `retry:` line) is sent once the server has subscribed: from here on the stream is live.
        if (first) {
          first = false;
          opened();
        }
        for (const message of parser.push(value)) {
          if (message.event === 'end') return endCode(message.data);
          if (!this.options.events.includes(message.event)) continue;
          const position = Number(message.id);
          if (!Number.isSafeInteger(position)) continue;
          if (this.lastSeen !== null && position <= this.lastSeen) continue;
          this.lastSeen = position;
          let data: unknown;
          try {
            data = JSON.parse(message.data);
          } catch {
            continue;
          }
          this.options.onEvent(position, data, message.event);
        }
      }
    } finally {
      // After an `end` frame the server closes anyway; after a drop this is a no-op.
      void reader.cancel().catch(() => undefined);
    }
  }
}

function endCode(data: string): string {
  try {
    return String((JSON.parse(data) as { code?: unknown }).code ?? 'ENDED');
  } catch {
    return 'ENDED';
  }
}
