/**
 * Mandate for LangChain.js 1.x: every tool call of an agent scoped, proxied and audited, with no credential in the agent.
 *
 *   import { createAgent } from 'langchain';
 *   import { Mandate } from '@mandate/sdk';
 *   import { MandateCallbackHandler, mandateMiddleware, proxiedTool } from '@mandate/sdk/langchain';
 *
 *   const mandate = new Mandate({ agentId: 'agt_…' });
 *   await mandate.withMission({ intent: 'Triage tickets', services: ['slack'] }, async (mission) => {
 *     const post = proxiedTool(mission, { name: 'post_to_slack', description: 'Post a message to a Slack channel',
 *       service: 'slack', method: 'POST', url: 'https://slack.com/api/chat.postMessage', schema: PostMessage });
 *     const agent = createAgent({ model, tools: [post], middleware: [mandateMiddleware(mission)] });
 *     await agent.invoke({ messages: [...] }, { callbacks: [new MandateCallbackHandler(mission)] });
 *   });
 *
 * - `proxiedTool`: a tool that is one HTTP call through the credential proxy (the secret is added there).
 * - `mandateTool`: declare the scope (service, action, a named intent) of a tool of your own.
 * - `mandateMiddleware`: before each tool call, the mission's scope (no network) and approvals; records each call.
 * - `MandateCallbackHandler`: records each tool call of any runnable, once, with its outcome.
 *
 * Needs `langchain`, `@langchain/core` and `@langchain/langgraph` (optional peer dependencies of the SDK).
 */
export { MandateCallbackHandler } from './callbacks.js';
export { mandateErrorOf, mandateMiddleware, type ApprovalMode, type MandateMiddlewareOptions, type ParkedApproval } from './middleware.js';
export { DEFAULT_SERVICE, MandateScope, mandateTool, type ScopeDeclaration, type Scopes } from './scope.js';
export { httpCall, type HttpCall } from './http-call.js';
export { summary } from './target.js';
export { proxiedTool, type ProxiedToolOptions } from './tools.js';
