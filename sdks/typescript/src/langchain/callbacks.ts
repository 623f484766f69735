/**
 * `MandateCallbackHandler`: every tool call of a LangChain run recorded in the mission, once, with its outcome.
 *
 * It works for any runnable (a `createAgent` graph, a chain, a tool invoked by hand): it only queues calls on the
 * mission (`mission.log`, no network wait). Beside `mandateMiddleware` it records nothing twice: the calls the
 * middleware runs, the middleware records.
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { Serialized } from '@langchain/core/load/serializable';
import { ToolMessage } from '@langchain/core/messages';
import { isGraphBubbleUp } from '@langchain/langgraph';
import type { Mission } from '../mission/mission.js';
import { callKey, record, recorderOf, type Outcome, type Recorder } from './recorder.js';
import { METADATA_KEY, resolveScope, type MandateScope, type Scopes } from './scope.js';
import { targetOf } from './target.js';

interface Started {
  key: string;
  tool: string;
  scope: MandateScope;
  target: string | undefined;
}

/** The tool's input as the callback gets it (JSON text of the arguments, for a structured tool). */
function argumentsOf(input: string): Record<string, unknown> | string {
  try {
    const parsed: unknown = JSON.parse(input);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: a plain text input, summarised as it is.
  }
  return input;
}

/**
 * Records each tool call of a run on the mission: `service` and `action` from the tool's declared scope (`mandateTool`,
 * `proxiedTool`, or `scopes: { 'tool name': 'service' }` here), else service `'langchain'` and the tool's name;
 * `target` a short redacted summary of the arguments (or a proxied call's method, host and path); `outcome` success or
 * failure.
 *
 * One record per tool call (by the model's tool call id): a callback fired twice, two handlers, or the handler beside
 * the middleware record it once. A failed call is held until its run ends, since a retry of the same call may still
 * succeed; the run's end (or `flush()`) records what is held. Pass it as `{ callbacks: [handler] }`.
 */
export class MandateCallbackHandler extends BaseCallbackHandler {
  name = 'MandateCallbackHandler';
  /**
   * LangChain.js runs a handler in the background unless it asks to be awaited, and a background record could then
   * race the mission's checkout. This one only appends to the mission's queue, so awaiting it costs nothing: when
   * `invoke()` returns, every call of the run is queued, and the checkout sends it. (No `awaitAllCallbacks()` needed.)
   */
  override awaitHandlers = true;
  override raiseError = false;
  // Only tool events (and the root run's end) are read: LangChain.js then skips this handler for the model's and the
  // retrievers' events, a little of what any handler costs per run (bench scenario 13). Not ignoreAgent: LangChain.js
  // gates tool events by it.
  override ignoreLLM = true;
  override ignoreRetriever = true;
  override ignoreCustomEvent = true;
  readonly mission: Mission;
  readonly scopes: Scopes | undefined;
  readonly #recorder: Recorder;
  readonly #started = new Map<string, Started>();
  readonly #failed = new Map<string, Started>();

  constructor(mission: Mission, { scopes }: { scopes?: Scopes } = {}) {
    super();
    this.mission = mission;
    this.scopes = scopes;
    this.#recorder = recorderOf(mission);
  }

  /** The handler keeps the run's calls in flight: LangChain gets this one, never a copy that would split its books. */
  override copy(): this {
    return this;
  }

  override handleToolStart(
    _tool: Serialized,
    input: string,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    const name = runName ?? 'tool';
    const key = callKey(toolCallId, metadata?.thread_id, runId);
    if (this.#recorder.claimed(key) || this.#recorder.recorded(key)) return;
    const scope = resolveScope(name, metadata?.[METADATA_KEY], this.scopes);
    this.#started.set(runId, { key, tool: name, scope, target: targetOf(scope, argumentsOf(input)) });
  }

  override handleToolEnd(output: unknown, runId: string, parentRunId?: string): void {
    const started = this.#started.get(runId);
    if (started) {
      this.#started.delete(runId);
      this.#failed.delete(started.key);
      this.#record(started, ToolMessage.isInstance(output) && output.status === 'error' ? 'failure' : 'success');
    }
    if (parentRunId === undefined) this.#settle();
  }

  override handleToolError(error: unknown, runId: string, parentRunId?: string): void {
    const started = this.#started.get(runId);
    this.#started.delete(runId);
    // An interrupt is not an outcome: the tool runs again, from its start, when the run is resumed.
    if (started && !isGraphBubbleUp(error)) this.#failed.set(started.key, started);
    if (parentRunId === undefined) this.#settle();
  }

  override handleChainEnd(_outputs: unknown, _runId: string, parentRunId?: string): void {
    if (parentRunId === undefined) this.#settle();
  }

  override handleChainError(_error: unknown, _runId: string, parentRunId?: string): void {
    if (parentRunId === undefined) this.#settle();
  }

  /**
   * Records what is held (failed calls; a call that never ended as `unknown`) and sends every queued call now. The
   * mission's checkout sends them anyway; this is for a run outside such a block's end, or to read the audit before it.
   */
  async flush(): Promise<void> {
    this.#settle(true);
    await this.mission.flush();
  }

  #settle(unfinished = false): void {
    const failed = [...this.#failed.values()];
    this.#failed.clear();
    const open = unfinished ? [...this.#started.values()] : [];
    if (unfinished) this.#started.clear();
    for (const started of failed) this.#record(started, 'failure');
    for (const started of open) this.#record(started, 'unknown');
  }

  #record(started: Started, outcome: Outcome): void {
    if (this.#recorder.claimed(started.key)) return;
    record(this.mission, started.key, started.scope, started.tool, started.target, outcome);
  }
}
