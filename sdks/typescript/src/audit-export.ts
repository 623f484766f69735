/**
 * The audit export as an async iterator: NDJSON lines read as they arrive, resumed after the last one's position if
 * the connection drops (a bounded number of times, with the client's backoff), so a long export survives a restart.
 */
import { ProblemError } from './errors.js';
import type { AuditExportLine } from './generated/openapi.js';
import { backoffMs, sleep, type RetryPolicy } from './retry.js';
import { isDrop } from './streams.js';
import type { Logger } from './transport.js';

export type OpenExport = (afterPosition: number | undefined) => Promise<ReadableStream<Uint8Array> | null>;

export async function* exportLines(
  open: OpenExport,
  policy: RetryPolicy,
  logger: Logger,
  { afterPosition, signal }: { afterPosition?: number | undefined; signal?: AbortSignal | undefined },
): AsyncGenerator<AuditExportLine, void, undefined> {
  let after = afterPosition;
  for (let drops = 0; ; ) {
    try {
      const body = await open(after);
      if (!body) return;
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      let partial = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          const lines = (partial + (value ?? '')).split('\n');
          partial = done ? '' : lines.pop()!;
          for (const line of lines) {
            if (!line.trim()) continue;
            const event = JSON.parse(line) as AuditExportLine;
            after = event.position;
            yield event;
          }
          if (done) return;
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // A refusal is final here (the export is one request, not a live stream); only a cut connection is resumed.
      if (error instanceof ProblemError || !isDrop(error) || drops >= policy.maxRetries) throw error;
      const delay = backoffMs(policy, drops++);
      logger.info(`mandate: audit export dropped (${error}); resuming after position ${after ?? 0} in ${Math.round(delay)} ms`);
      await sleep(delay, signal);
    }
  }
}
