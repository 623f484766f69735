/**
 * `proxiedTool`: a LangChain tool that is one HTTP call through Mandate's credential proxy.
 *
 * The agent's process never holds the upstream's secret: the proxy adds it, checks the call against the mission,
 * records it as a call Mandate observed, and scrubs the answer before the model reads it.
 */
import type { RunnableConfig } from '@langchain/core/runnables';
import { ToolMessage } from '@langchain/core/messages';
import { DynamicStructuredTool, type ToolRunnableConfig } from '@langchain/core/tools';
import { toJsonSchema, type JSONSchema } from '@langchain/core/utils/json_schema';
import { isInteropZodSchema, type InteropZodType } from '@langchain/core/utils/types';
import { currentApproval } from '../mission/approval.js';
import type { HttpMethod } from '../mission/intents.js';
import type { Mission, ProxyResponse } from '../mission/mission.js';
import { callTarget, placeholders, type HttpCall } from './http-call.js';
import { MandateScope, METADATA_KEY } from './scope.js';

export interface ProxiedToolOptions {
  name: string;
  description: string;
  /** The mission service the call goes to (registered with its hosts and secret by an operator). */
  service: string;
  /**
   * A template: its `{placeholders}` are filled from the tool's arguments (each one URL-encoded path segment); the
   * other arguments are the JSON body of a POST, PUT or PATCH, else the query string.
   */
  url: string;
  /** Default `GET`. */
  method?: HttpMethod;
  /** What the model sees, a zod or JSON schema; without it the URL's placeholders are the arguments (strings). */
  schema?: InteropZodType | JSONSchema;
  /** The call needs a person's approval first (`mandateMiddleware` obtains it; without it, the tool asks itself). */
  namedIntent?: string;
  /** What the audit calls the call (default: the tool's name). */
  action?: string;
  headers?: Record<string, string>;
}

function jsonSchemaOf(schema: ProxiedToolOptions['schema'], url: string): JSONSchema {
  if (schema === undefined) {
    const names = placeholders(url);
    return { type: 'object', properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])), required: names };
  }
  // As JSON schema: LangChain then checks the model's arguments and hands them to the tool as they are (a zod schema
  // would strip, coerce and fill defaults, and the call sent would no longer be the call approved). The schema of
  // what may come in: a field with a default is one the model may leave out.
  return isInteropZodSchema(schema) ? toJsonSchema(schema, { io: 'input' }) : schema;
}

function bodyText(response: ProxyResponse): string {
  return typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
}

/**
 * A tool whose call is `method url` through `mission.proxy`, answering the upstream's body. The model's arguments are
 * checked against `schema` but sent as the model gave them, so the call is the very one the middleware had approved.
 * An upstream's error status goes back to the model as the tool's error (an error `ToolMessage`; thrown when the tool
 * is invoked without a tool call); Mandate's own refusals (scope, approval, a revoked passport) are thrown, and end the
 * run.
 *
 * With `namedIntent` the call is gated: `mandateMiddleware` obtains the approval before the tool runs (and the tool
 * carries it); used without the middleware, the tool submits the intent and waits for the decision itself.
 */
export function proxiedTool(mission: Mission, options: ProxiedToolOptions): DynamicStructuredTool {
  const { name, description, service, url, method = 'GET', namedIntent, action, headers } = options;
  const scope = new MandateScope({ service, action, namedIntent, method, url });

  async function approvalFor(call: HttpCall, signal: AbortSignal | undefined): Promise<string | undefined> {
    const carried = currentApproval();
    if (namedIntent === undefined || carried !== undefined) return carried;
    const intent = await mission.intents.submitAndWait({
      namedIntent,
      service,
      url: call.url,
      method: call.method,
      body: call.body,
      action: scope.actionFor(name),
      reason: `LangChain tool '${name}': ${callTarget(call)}`,
      signal,
    });
    return intent.approval_id ?? undefined;
  }

  async function run(args: Record<string, unknown>, _runManager?: unknown, config?: RunnableConfig): Promise<string | ToolMessage> {
    const toolCall = (config as ToolRunnableConfig | undefined)?.toolCall;
    let call: HttpCall;
    try {
      call = scope.call(args);
    } catch (error) {
      // The model's mistake (an argument the URL needs): it reads why, nothing was sent.
      if (toolCall?.id) return new ToolMessage({ content: `Error: ${(error as Error).message}`, tool_call_id: toolCall.id, name, status: 'error' });
      throw error;
    }
    const signal = config?.signal;
    const approvalId = await approvalFor(call, signal);
    const response = await mission.proxy({ service, url: call.url, method: call.method, body: call.body, headers, approvalId, signal });
    if (response.ok) return bodyText(response);
    const refusal = `${service} answered ${response.status}: ${bodyText(response)}`;
    if (toolCall?.id) return new ToolMessage({ content: refusal, tool_call_id: toolCall.id, name, status: 'error' });
    throw new Error(refusal);
  }

  return new DynamicStructuredTool({
    name,
    description,
    schema: jsonSchemaOf(options.schema, url),
    func: run,
    metadata: { [METADATA_KEY]: scope.toMetadata() },
  });
}
