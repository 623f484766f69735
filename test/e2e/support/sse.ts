import { MandateServer } from './server';

export interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/**
 * A Server-Sent Events client that keeps what arrived and lets a test await "the frame for this jti" instead of
 * sleeping. Reconnecting is the test's decision (with lastEventId), as it is for a real operator's client.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  private waiters: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  private readonly controller = new AbortController();
  private closedResolve!: () => void;
  readonly closed = new Promise<void>((r) => (this.closedResolve = r));

  static async open(server: MandateServer, token: string, lastEventId?: string, path = '/v1/revocations/stream'): Promise<SseClient> {
    const client = new SseClient();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const res = await fetch(`${server.url}${path}`, { headers, signal: client.controller.signal });
    client.status = res.status;
    if (res.status !== 200 || !res.body) {
      client.closedResolve();
      return client;
    }
    void client.pump(res.body.getReader());
    return client;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          this.frame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      /* aborted or the server went away */
    }
    this.closedResolve();
  }

  private frame(text: string): void {
    const fields: Record<string, string> = {};
    for (const line of text.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
    }
    if (!fields.data) return;
    const event = { id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) };
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => (w.match(event) ? (w.resolve(event), false) : true));
  }

  /** Resolves with the first frame (already received or still to come) that matches. */
  next(match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching SSE frame within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  close(): void {
    this.controller.abort();
  }
}
