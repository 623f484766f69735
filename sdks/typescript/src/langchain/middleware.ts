/**
 * `mandateMiddleware`: the mission's scope and approvals, enforced around every tool call of a `createAgent` agent.
 *
 * Before a tool runs:
 *
 * - its service (its declared scope, see `mandateTool`) must be one the mission names. That is a lookup, no network.
 *   A call outside the mission is not run: it is reported at once (`mission.report`, so the detectors judge it now:
 *   `scope_drift` is critical, and revokes an enforced agent's passport) and the run ends with `OutOfScope`.
 * - a tool that declares a named intent needs an approval for its exact HTTP call: the middleware submits the intent
 *   (idempotent on the tool call, so a retried or resumed call finds its intent again) and waits for a person's
 *   decision (`approval: 'wait'`), or parks the run with a LangGraph `interrupt()` (`approval: 'interrupt'`: the app
 *   resumes it with `new Command({ resume })` once a person decided; the decision is read from Mandate, never from the
 *   resume value). The tool then runs with the approval in scope (`withApproval`), which its `mission.proxy` call
 *   carries. A rejection ends the run with `ApprovalRejected`.
 *
 * After it ran, the call is recorded on the mission (queued, once per call, success or failure). List the middleware
 * first in `middleware: [...]` so that it is outermost: it checks before anything else runs, and records the final
 * outcome of a call that an inner middleware retried.
 */
import { randomUUID } from 'node:crypto';
import { ToolMessage } from '@langchain/core/messages';
import { interrupt, isGraphBubbleUp, type Command } from '@langchain/langgraph';
import { createMiddleware, type AgentMiddleware, type ToolCallRequest } from 'langchain';
import { ConfigurationError, MandateError } from '../errors.js';
import type { IntentView } from '../generated/openapi.js';
import { withApproval } from '../mission/approval.js';
import type { IntentCall } from '../mission/intents.js';
import type { Mission } from '../mission/mission.js';
import { seconds, type Duration } from '../mission/options.js';
import { callTarget, type HttpCall } from './http-call.js';
import { callKey, idempotencyKey, record, recorderOf, toolOutOfScope, type Outcome } from './recorder.js';
import { declaredScope, resolveScope, type MandateScope, type Scopes } from './scope.js';
import { targetOf } from './target.js';

export type ApprovalMode = 'wait' | 'interrupt';

export interface MandateMiddlewareOptions {
  /** Tool names mapped to a service (or a declaration), for tools you do not own; overrides what a tool declares. */
  scopes?: Scopes;
  /** `'wait'` (default) blocks the tool call until a person decides; `'interrupt'` parks the run (needs a checkpointer). */
  approval?: ApprovalMode;
  /** How long to wait for a person at most (`StillPending` after it; the intent stays pending and expires by itself). Default `'5m'`. */
  approvalTimeout?: Duration;
}

/** What the interrupt shows the app: enough to find the intent and to tell a person what it is for. */
export interface ParkedApproval {
  type: 'mandate_approval';
  intent_id: string;
  named_intent: string;
  service: string;
  tool: string;
  tool_call_id: string | undefined;
  call: HttpCall;
  expires_at: string;
}

/** A tool call as the middleware sees it before it runs. */
interface Planned {
  key: string;
  toolCallId: string | undefined;
  tool: string;
  scope: MandateScope;
  target: string | undefined;
  /** A gated tool's exact HTTP call. */
  call?: HttpCall;
  /** Why a gated tool's arguments make no call (then it is not run). */
  invalid?: string;
}

type ToolResult = ToolMessage | Command;

function outcomeOf(result: ToolResult): Outcome {
  return ToolMessage.isInstance(result) && result.status === 'error' ? 'failure' : 'success';
}

/**
 * The Mandate error that ended a run, as thrown or as LangChain wrapped it: an error a middleware throws reaches the
 * caller of `agent.invoke()` as LangChain's `MiddlewareError` (same name and message, the original on `cause`), while
 * one a tool throws (a revoked passport at `mission.proxy`) arrives as it is.
 */
export function mandateErrorOf(error: unknown): MandateError | undefined {
  for (let seen = error, depth = 0; seen !== null && seen !== undefined && depth < 8; depth += 1) {
    if (seen instanceof MandateError) return seen;
    seen = (seen as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `createAgent({ model, tools, middleware: [mandateMiddleware(mission)] })` (see the module's doc). */
export function mandateMiddleware(
  mission: Mission,
  { scopes, approval = 'wait', approvalTimeout = '5m' }: MandateMiddlewareOptions = {},
): AgentMiddleware<undefined, undefined, unknown> {
  if (approval !== 'wait' && approval !== 'interrupt') {
    throw new ConfigurationError("approval is 'wait' (block until a person decides) or 'interrupt' (park the run)");
  }
  const timeoutMs = seconds(approvalTimeout) * 1000;
  const recorder = recorderOf(mission);

  /** Undefined for a tool name the agent does not have (a model's invention): LangGraph answers the model, nothing runs. */
  function plan(request: ToolCallRequest): Planned | undefined {
    const { name, args, id } = request.toolCall;
    if (request.tool === undefined && !(scopes && Object.hasOwn(scopes, name))) return undefined;
    const key = callKey(id, request.runtime.configurable?.thread_id, `${name}:${randomUUID()}`);
    recorder.claim(key);
    const scope = resolveScope(name, declaredScope(request.tool), scopes);
    const planned: Planned = { key, toolCallId: id, tool: name, scope, target: targetOf(scope, args) };
    if (scope.namedIntent === undefined) return planned;
    try {
      return { ...planned, call: scope.call(args) };
    } catch (error) {
      return { ...planned, invalid: `${name} was not run: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  function intentOf(planned: Planned, call: HttpCall, signal: AbortSignal | undefined): IntentCall {
    const action = planned.scope.actionFor(planned.tool);
    return {
      namedIntent: planned.scope.namedIntent!,
      service: planned.scope.service,
      url: call.url,
      method: call.method,
      body: call.body,
      action,
      reason: `LangChain tool '${planned.tool}' (${action}): ${callTarget(call)}`.slice(0, 1000),
      idempotencyKey: idempotencyKey(planned.key),
      signal,
    };
  }

  /** The approval of the exact call (`ApprovalRejected`, `ApprovalExpired` or `StillPending` otherwise). */
  async function approve(planned: Planned, call: HttpCall, signal: AbortSignal | undefined): Promise<string | undefined> {
    const intent = intentOf(planned, call, signal);
    if (approval === 'wait') return (await mission.intents.submitAndWait({ ...intent, timeoutMs })).approval_id ?? undefined;
    const submitted = await mission.intents.submit(intent);
    if (submitted.status === 'approved') return submitted.approval_id ?? undefined;
    if (submitted.status === 'pending') interrupt(parked(planned, call, submitted));
    // Resumed (or decided meanwhile): the decision is Mandate's, read now, whatever the app resumed the run with.
    return (await mission.intents.wait(submitted.id, { timeoutMs, signal })).approval_id ?? undefined;
  }

  return createMiddleware({
    name: 'MandateMiddleware',
    wrapToolCall: async (request, handler) => {
      const planned = plan(request);
      if (planned === undefined) return handler(request);
      const { scope, tool, target, key } = planned;
      if (!mission.covers(scope.service)) {
        const { position } = await mission.report({ service: scope.service, action: scope.actionFor(tool), target, outcome: 'failure' });
        recorder.first(key); // reported just now
        throw toolOutOfScope(mission, tool, scope, position);
      }
      if (planned.invalid !== undefined) {
        record(mission, key, scope, tool, target, 'failure');
        return new ToolMessage({ content: `Error: ${planned.invalid}`, name: tool, tool_call_id: planned.toolCallId ?? '', status: 'error' });
      }
      const approvalId = planned.call ? await approve(planned, planned.call, request.runtime.signal) : undefined;
      let result: ToolResult;
      try {
        result = await (approvalId === undefined ? handler(request) : withApproval(approvalId, () => handler(request)));
      } catch (error) {
        if (!isGraphBubbleUp(error)) record(mission, key, scope, tool, target, 'failure');
        throw error;
      }
      record(mission, key, scope, tool, target, outcomeOf(result));
      return result;
    },
  });
}

function parked(planned: Planned, call: HttpCall, intent: IntentView): ParkedApproval {
  return {
    type: 'mandate_approval',
    intent_id: intent.id,
    named_intent: intent.named_intent,
    service: planned.scope.service,
    tool: planned.tool,
    tool_call_id: planned.toolCallId,
    call,
    expires_at: intent.expires_at,
  };
}
