import { randomUUID } from 'node:crypto';
import { ApprovalExpired, ApprovalRejected, StillPending } from '../errors.js';
import type { AmountDto, CallRequestDto, IntentView, SimulationResponse, SubmitIntentDto } from '../generated/openapi.js';
import type { Signal } from '../operator/signal.js';
import type { PassportChannel } from './channel.js';

export type HttpMethod = CallRequestDto['method'];

/** The call a person is asked to approve: exactly what the proxy will then let through once. */
export interface IntentCall extends Signal {
  /** The tenant's name for this kind of call, which its policy rules match (`refund`, `payments.refund`, …). */
  namedIntent: string;
  service: string;
  url: string;
  /** Default `POST`. */
  method?: HttpMethod;
  body?: unknown;
  /** Default: the method and URL. */
  action?: string;
  amount?: AmountDto;
  reason: string;
  /** Seconds the intent may wait for a decision (10 to 3600). */
  expiresIn?: number;
  /** A retry with the same key answers with the same intent instead of queueing another (and may be retried). */
  idempotencyKey?: string;
}

export interface Waiting extends Signal {
  /** How long to wait for the decision at most, in milliseconds. Default 5 minutes. */
  timeoutMs?: number;
}

/** The server's longest long poll, in seconds: a longer wait asks again. */
const LONG_POLL_MAX_SECONDS = 60;
/** How much longer than the long poll an answer may take to arrive before the attempt counts as failed. */
const LONG_POLL_GRACE_MS = 15_000;

/** Intents submitted under the mission's passport. */
export class MissionIntents {
  constructor(private readonly channel: PassportChannel) {}

  /** Submits an intent; the tenant's policy decides (approved at once, pending for a person, or refused). */
  submit({ idempotencyKey, signal, ...call }: IntentCall): Promise<IntentView> {
    const { api } = this.channel;
    const header = { 'Idempotency-Key': idempotencyKey };
    return this.channel.send((init) => api.POST('/v1/intents', { params: { header }, body: intentBody(call), ...init }), { signal });
  }

  /**
   * Waits for a person's decision on the server's long poll: the approved intent, else `ApprovalRejected` or
   * `ApprovalExpired`; `StillPending` if it is still pending after `timeoutMs`.
   */
  async wait(intentId: string, { timeoutMs = 300_000, signal }: Waiting = {}): Promise<IntentView> {
    const { api } = this.channel;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const wait = Math.max(1, Math.min(LONG_POLL_MAX_SECONDS, Math.floor((deadline - Date.now()) / 1000)));
      const intent = await this.channel.send(
        (init) => api.GET('/v1/intents/{intentId}', { params: { path: { intentId }, query: { wait } }, ...init }),
        { signal, timeoutMs: wait * 1000 + LONG_POLL_GRACE_MS },
      );
      if (intent.status !== 'pending') return decided(intent);
      if (Date.now() >= deadline) throw new StillPending(intentId, timeoutMs);
    }
  }

  /** Submits, then waits for the decision: the approved intent, whose `approval_id` opens the door once. */
  async submitAndWait({ timeoutMs, ...call }: IntentCall & Waiting): Promise<IntentView> {
    // Keyed, so that a retried submit answers with the same intent instead of asking a person twice.
    const submitted = await this.submit({ ...call, idempotencyKey: call.idempotencyKey ?? randomUUID() });
    if (submitted.status !== 'pending') return decided(submitted);
    return this.wait(submitted.id, { timeoutMs, signal: call.signal });
  }

  /** What the policy would decide, with nothing stored. */
  simulate({ signal, reason = 'simulation', ...call }: Omit<IntentCall, 'reason' | 'idempotencyKey' | 'expiresIn'> & { reason?: string }): Promise<SimulationResponse> {
    const { api } = this.channel;
    return this.channel.send((init) => api.POST('/v1/intents/simulate', { body: intentBody({ ...call, reason }), ...init }), {
      signal,
      retryable: true,
    });
  }
}

function intentBody({ namedIntent, service, url, method = 'POST', body, action, amount, reason, expiresIn }: Omit<IntentCall, 'signal' | 'idempotencyKey'>): SubmitIntentDto {
  return {
    named_intent: namedIntent,
    target: service,
    action: action ?? `${method} ${url}`,
    parameters: body === undefined ? { url, method } : { url, method, body },
    reason,
    amount,
    expires_in: expiresIn,
  };
}

function decided(intent: IntentView): IntentView {
  if (intent.status === 'approved') return intent;
  if (intent.status === 'rejected') {
    const note = intent.decision?.note || 'no note';
    throw new ApprovalRejected(403, { code: 'APPROVAL_REJECTED', detail: `intent ${intent.id} was rejected (${note})`, intent_id: intent.id });
  }
  throw new ApprovalExpired(403, { code: 'APPROVAL_EXPIRED', detail: `intent ${intent.id} expired before it was decided`, intent_id: intent.id });
}
