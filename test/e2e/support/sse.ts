import * as http from 'http';

export interface SseEvent {
  id: string;
  event: string;
  data: any;
  /** performance.now() when the chunk holding the frame arrived: what the bench's latencies end on. */
  at: number;
}

/**
 * The one Server-Sent Events client of the suites and the bench: it keeps what arrived, with when, and lets a caller
 * await "the frame for this jti" instead of sleeping. Reconnecting is the caller's decision (with lastEventId), as it
 * is for a real operator's client.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  /** Comment lines (keep-alives) and frames whose data was not JSON. */
  comments = 0;
  malformed = 0;
  private waiters: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  private request: http.ClientRequest | null = null;
  private closedResolve!: () => void;
  readonly closed = new Promise<void>((r) => (this.closedResolve = r));

  /**
   * Resolves once the stream is open (its first block, the `retry:` line, has arrived: the server is subscribed), or
   * with the status of a refusal.
   */
  static open(server: { readonly url: string }, token: string, lastEventId?: string, path = '/v1/revocations/stream'): Promise<SseClient> {
    const client = new SseClient();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return new Promise((resolve, reject) => {
      const req = http.get(`${server.url}${path}`, { headers, agent: false }, (res) => {
        client.status = res.statusCode ?? 0;
        res.on('close', () => client.closedResolve());
        res.on('error', () => undefined);
        if (client.status !== 200) {
          res.resume();
          return resolve(client);
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            client.block(buffer.slice(0, end), at);
            buffer = buffer.slice(end + 2);
            resolve(client);
          }
        });
      });
      req.on('error', (error) => (client.closedResolve(), reject(error)));
      req.setTimeout(10_000, () => client.status === 0 && req.destroy(new Error(`${path} did not answer within 10 s`)));
      client.request = req;
    });
  }

  private block(text: string, at: number): void {
    const fields: Record<string, string> = {};
    let data: string | undefined;
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'data') data = data === undefined ? value : `${data}\n${value}`;
      else fields[name] = value;
    }
    if (data === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.malformed++;
      return;
    }
    const event = { id: fields.id, event: fields.event ?? 'message', data: parsed, at };
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => (w.match(event) ? (w.resolve(event), false) : true));
  }

  /** Resolves with the first frame (already received or still to come) that matches; rejects after `timeoutMs`. */
  next(match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (e: SseEvent) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching SSE frame within ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(-20))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.request?.destroy();
  }
}
