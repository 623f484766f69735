/**
 * One record per tool call, however many handlers and middlewares see it, and the refusal of a call outside the
 * mission. Shared by `MandateCallbackHandler` and `mandateMiddleware` through the mission itself.
 */
import { createHash } from 'node:crypto';
import { OutOfScope } from '../errors.js';
import type { ToolCallDto } from '../generated/openapi.js';
import type { Mission } from '../mission/mission.js';
import type { MandateScope } from './scope.js';

export type Outcome = NonNullable<ToolCallDto['outcome']>;

/**
 * A mission's tool calls already recorded: shared by every handler and middleware of the mission, so that a call is
 * recorded once however many of them see it (two handlers, a handler beside the middleware, a callback fired twice).
 * The middleware claims the calls it runs: it records them itself, with their final outcome.
 */
export class Recorder {
  readonly #recorded = new Set<string>();
  readonly #claimed = new Set<string>();

  claim(key: string): void {
    this.#claimed.add(key);
  }

  claimed(key: string): boolean {
    return this.#claimed.has(key);
  }

  recorded(key: string): boolean {
    return this.#recorded.has(key);
  }

  /** Marks the call recorded; whether it was not yet. */
  first(key: string): boolean {
    if (this.#recorded.has(key)) return false;
    this.#recorded.add(key);
    return true;
  }
}

const recorders = new WeakMap<Mission, Recorder>();

export function recorderOf(mission: Mission): Recorder {
  let found = recorders.get(mission);
  if (!found) recorders.set(mission, (found = new Recorder()));
  return found;
}

/** Queues the call on the mission (no network wait), once per key. */
export function record(mission: Mission, key: string, scope: MandateScope, toolName: string, target: string | undefined, outcome: Outcome): void {
  if (recorderOf(mission).first(key)) mission.log({ service: scope.service, action: scope.actionFor(toolName), target, outcome });
}

/**
 * What names one tool call in a mission: the model's tool call id (within the LangGraph thread, as some models number
 * their calls afresh each turn or thread), else the fallback (the callback's run id).
 */
export function callKey(toolCallId: string | undefined, threadId: unknown, fallback: string): string {
  if (!toolCallId) return fallback;
  return threadId ? `${String(threadId)}/${toolCallId}` : toolCallId;
}

/** The intent's idempotency key for a tool call: a replayed or resumed call finds its intent, never a second. */
export function idempotencyKey(key: string): string {
  const text = `langchain:${key}`;
  return text.length <= 200 ? text : `langchain:${createHash('sha256').update(key).digest('hex')}`;
}

/** The refusal of a tool whose service the mission does not name (reported already, at `position`). */
export function toolOutOfScope(mission: Mission, toolName: string, scope: MandateScope, position: number | undefined): OutOfScope {
  const services = mission.services.join(', ') || 'none';
  return new OutOfScope(403, {
    code: 'TOOL_OUT_OF_SCOPE',
    detail:
      `tool '${toolName}' acts on service '${scope.service}', which mission ${mission.jti} does not cover ` +
      `(its services: ${services}): the call was stopped before it ran, and reported`,
    tool: toolName,
    service: scope.service,
    jti: mission.jti,
    position,
  });
}
