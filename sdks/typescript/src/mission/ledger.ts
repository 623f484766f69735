import { ConnectionFailed, KeyRevoked, PassportCheckedOut, PassportExpired, PassportRevoked, ProblemError, type Unauthenticated } from '../errors.js';
import type { ToolCallDto } from '../generated/openapi.js';
import type { Logger } from '../transport.js';

/** Calls sent in one request at most (the server takes 1,000). */
export const BATCH_MAX = 500;

/**
 * The refusals that end a passport for good: the mission is over, whatever it does next. A revoked agent key is one
 * too: the passport is bound to it, so no proof will ever make it usable again.
 */
export function endsPassport(error: unknown): error is Unauthenticated {
  return error instanceof PassportRevoked || error instanceof PassportExpired || error instanceof PassportCheckedOut || error instanceof KeyRevoked;
}

/** What a mission has to send and what it has learnt: bookkeeping only, no I/O (the Python SDK's `_Ledger`). */
export class Ledger {
  pending: ToolCallDto[] = [];
  private servicesUsed = new Set<string>();
  private callsSinceCheckpoint = 0;
  lost = 0;
  /** The refusal that ended the passport (revoked, expired, checked out, its key revoked): thrown at the next call. */
  failure: Unauthenticated | undefined;

  constructor(private readonly logger: Logger) {}

  record(call: ToolCallDto): void {
    this.throwIfEnded();
    this.pending.push(call);
    this.servicesUsed.add(call.service);
    this.callsSinceCheckpoint += 1;
  }

  /** A call the proxy made: Mandate recorded it itself; it only counts towards the next checkpoint. */
  observed(service: string): void {
    this.servicesUsed.add(service);
    this.callsSinceCheckpoint += 1;
  }

  take(all = false): ToolCallDto[] {
    return this.pending.splice(0, all ? this.pending.length : BATCH_MAX);
  }

  /**
   * A batch refused before it was stored (429, 503, no connection made) is sent again with the next one; one that may
   * have been stored (the answer was lost) is not, so that no call is recorded twice.
   */
  failed(batch: ToolCallDto[], error: unknown): void {
    const neverStored =
      (error instanceof ProblemError && (error.status === 429 || error.status === 503)) || (error instanceof ConnectionFailed && error.neverSent);
    if (neverStored) this.pending.unshift(...batch);
    else this.unsent(batch, error);
  }

  checkpointBody(): { services: string[]; count: number } {
    const body = { services: [...this.servicesUsed].sort().slice(0, 50), count: this.callsSinceCheckpoint };
    this.servicesUsed = new Set();
    this.callsSinceCheckpoint = 0;
    return body;
  }

  /** A background send failed: an ended passport ends the mission; anything else is said and tried again later. */
  refused(error: unknown, what: string): void {
    if (endsPassport(error)) {
      if (!this.failure) this.logger.warn(`mandate: the mission's passport can no longer be used (${error.code}) while ${what}`);
      this.failure = error;
    } else {
      this.logger.warn(`mandate: ${what} failed: ${error}`);
    }
  }

  throwIfEnded(): void {
    if (this.failure) throw this.failure;
  }

  /** Calls that could not be sent at the end: said in the log, never silently dropped. */
  unsent(batch: ToolCallDto[], error: unknown): void {
    if (batch.length === 0) return;
    this.lost += batch.length;
    this.logger.warn(`mandate: ${batch.length} logged call(s) could not be recorded (${error})`);
  }
}
