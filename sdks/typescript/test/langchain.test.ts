/**
 * `@mandate/sdk/langchain` with a real `createAgent` loop: langchain-core's scripted chat model (`fakeModel`) asks for
 * the tool calls, LangGraph runs them, and everything on the Mandate side is the real server (world.ts). No LLM, no
 * mock: the Python SDK's LangChain scenarios (sdks/python/tests/test_langchain.py), in LangChain.js.
 */
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import { Command, MemorySaver } from '@langchain/langgraph';
import { createAgent } from 'langchain';
import { z } from 'zod';
import { ApprovalRejected, ConfigurationError, Mandate, Mission, OutOfScope, PassportRevoked, type models } from '../src';
import {
  httpCall,
  MandateCallbackHandler,
  mandateErrorOf,
  mandateMiddleware,
  MandateScope,
  mandateTool,
  proxiedTool,
  summary,
  type MandateMiddlewareOptions,
  type ParkedApproval,
} from '../src/langchain';
import { newTenant, SECRET, startWorld, stopWorld, type Tenant, type World } from './support/world';

const REFUNDS = 'echo:refunds:create';
const SERVICES = ['echo', 'slack', 'stripe', 'langchain'];

let world: World;
let tenant: Tenant;

beforeAll(async () => {
  world = await startWorld({}, ['/tickets', '/tickets/T%2042', '/refunds']);
});

beforeEach(async () => {
  // A tenant per test: its audit export is the test's own events.
  tenant = await newTenant(world, 'langchain');
});

afterAll(() => stopWorld(world));

// ---- the scripted model and what the tests read back

type ToolCall = { name: string; id: string; args: Record<string, unknown> };
const call = (name: string, id: string, args: Record<string, unknown> = {}): ToolCall => ({ name, id, args });

/** One model turn per list of tool calls, then a final answer. */
function scripted(...turns: ToolCall[][]) {
  const model = fakeModel();
  for (const turn of turns) model.respondWithTools(turn);
  return model.respond(new AIMessage('done'));
}

const ask = (text: string) => ({ messages: [{ role: 'user', content: text }] });
const upstream = (path: string) => `${world.upstream.origin}${path}`;
const host = () => new URL(world.upstream.origin).host;
const received = (from: number) => world.upstream.seen.slice(from).map((r) => ({ method: r.method, path: r.path, body: r.body }));

/** The tenant's raw events, read from the store itself. */
async function exported(): Promise<models.AuditExportLine[]> {
  const events: models.AuditExportLine[] = [];
  for await (const event of tenant.operator.audit.export()) events.push(event);
  return events;
}

type Data = Record<string, unknown>;
const ofType = (events: models.AuditExportLine[], type: string): Data[] => events.filter((e) => e.type === type).map((e) => e.data as Data);

/** Every call the agent reported, whether it came alone (ToolCallLogged) or in a batch (ToolCallsLogged). */
function reported(events: models.AuditExportLine[]): Data[] {
  return events.flatMap((e) => (e.type === 'ToolCallLogged' ? [e.data as Data] : e.type === 'ToolCallsLogged' ? ((e.data as { calls: Data[] }).calls ?? []) : []));
}

const pick = (calls: Data[], ...fields: string[]) => calls.map((c) => fields.map((f) => c[f] ?? null)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function findingsOf(jti: string, position: number): Promise<models.SecurityEventView[]> {
  const found: models.SecurityEventView[] = [];
  for await (const finding of tenant.operator.findings.list({ jti, waitForPosition: position })) found.push(finding);
  return found;
}

/**
 * A person at the approval queue: decides the first intent that becomes pending and gives it back as it was then.
 * The approval queue has no stream to await: a bounded poll.
 */
function decideFirstPending(decide: (operator: Mandate, intentId: string) => Promise<unknown>): Promise<models.IntentView> {
  const decided = (async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      for await (const pending of tenant.operator.intents.pending()) {
        const seen = await tenant.operator.intents.get(pending.id);
        await decide(tenant.operator, pending.id);
        return seen;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no intent became pending in 30 s');
  })();
  decided.catch(() => undefined); // awaited by the test; not an unhandled rejection meanwhile
  return decided;
}

/** The tenant's policy: refunds need a person; every other intent is approved at once. */
const gateRefunds = () =>
  tenant.operator.policies.replace({ default: 'auto_approve', rules: [{ name: 'refunds need a person', match: { named_intent: REFUNDS }, decision: 'require_approval' }] });

const Refund = z.object({ charge: z.string(), amount: z.number().int() });

const refundTool = (mission: Mission) =>
  proxiedTool(mission, { name: 'refund', description: 'Refund a charge', service: 'echo', method: 'POST', url: upstream('/refunds'), schema: Refund, namedIntent: REFUNDS });

/** An agent whose model asks for one refund; `options` go to the middleware (a checkpointer comes with interrupts). */
function refundAgent(mission: Mission, amount: number, options: MandateMiddlewareOptions = {}) {
  return createAgent({
    model: scripted([call('refund', 'call_refund', { charge: 'ch_abc', amount })]),
    tools: [refundTool(mission)],
    middleware: [mandateMiddleware(mission, options)],
    checkpointer: options.approval === 'interrupt' ? new MemorySaver() : undefined,
  });
}

const toolAnswers = (messages: BaseMessage[]) => Object.fromEntries(messages.filter(ToolMessage.isInstance).map((m) => [m.name, m]));
const interruptsOf = (state: unknown) => (state as { __interrupt__?: Array<{ value: ParkedApproval }> }).__interrupt__ ?? [];

// ---- (a) every tool call proxied and reported, once

it('given an agent whose tools are two proxied HTTP calls and one local tool, under the middleware and two handlers, when it runs, then each proxied call is observed once and each tool call reported once', async () => {
  // given an agent whose tools are two HTTP calls through the proxy and one local tool, under the middleware and two
  // callback handlers (each would record every call if they did not share the mission's record)
  const runtime = await tenant.agent({ mode: 'logged', services: SERVICES });
  const before = world.upstream.seen.length;
  const countWords = tool(async ({ text }) => text.split(/\s+/).length, {
    name: 'count_words',
    description: 'Count the words of a text.',
    schema: z.object({ text: z.string() }),
  });
  const { result, jti } = await runtime.withMission({ intent: 'File and read back a ticket', services: ['echo', 'langchain'] }, async (mission) => {
    // (a default the model did not give must not be added to the body: the call sent is the call the model asked for)
    const Ticket = z.object({ title: z.string(), priority: z.number().default(3) });
    const createTicket = proxiedTool(mission, { name: 'create_ticket', description: 'Open a ticket', service: 'echo', method: 'POST', url: upstream('/tickets'), schema: Ticket });
    const getTicket = proxiedTool(mission, { name: 'get_ticket', description: 'Read a ticket', service: 'echo', url: upstream('/tickets/{ticket_id}') });
    const model = scripted(
      [call('create_ticket', 'call_create', { title: 'Printer on fire' }), call('count_words', 'call_count', { text: 'a b c' })],
      [call('get_ticket', 'call_get', { ticket_id: 'T 42' })],
    );
    const agent = createAgent({ model, tools: [createTicket, getTicket, countWords], middleware: [mandateMiddleware(mission)] });
    const handlers = [new MandateCallbackHandler(mission), new MandateCallbackHandler(mission)];

    // when the agent runs
    return { result: await agent.invoke(ask('File the printer ticket'), { callbacks: handlers }), jti: mission.jti };
  });

  // then the upstream got both calls with the secret the proxy added, and the model read their answers, never the secret
  const calls = world.upstream.seen.slice(before);
  expect(calls.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /tickets/T%2042', 'POST /tickets']);
  expect(calls.every((r) => r.headers.authorization === `Bearer ${SECRET}`)).toBe(true);
  expect(JSON.parse(calls.find((r) => r.method === 'POST')!.body)).toEqual({ title: 'Printer on fire' });
  const answers = toolAnswers(result.messages);
  expect(JSON.parse(String(answers.create_ticket!.content))).toMatchObject({ authorized: true });
  expect(answers.count_words!.content).toBe('3');
  expect(result.messages.every((m) => !JSON.stringify(m.content).includes(SECRET))).toBe(true);

  // and the audit has each proxied call as observed, once, and each tool call as reported, once
  const events = await exported();
  expect(pick(ofType(events, 'ProxiedCallStarted'), 'method', 'path')).toEqual([['GET', '/tickets/T%2042'], ['POST', '/tickets']]);
  expect(ofType(events, 'ProxiedCallEnded').map((c) => c.outcome)).toEqual(['success', 'success']);
  expect(pick(reported(events), 'service', 'action', 'target', 'outcome')).toEqual([
    ['echo', 'create_ticket', `POST ${host()}/tickets`, 'success'],
    ['echo', 'get_ticket', `GET ${host()}/tickets/T%2042`, 'success'],
    ['langchain', 'count_words', 'text="a b c"', 'success'],
  ]);
  const last = events.at(-1)!.position;
  const kinds: unknown[] = [];
  for await (const entry of tenant.operator.audit.query({ jti, waitForPosition: last })) kinds.push(entry.what?.call);
  expect(kinds.filter((k) => k === 'observed')).toHaveLength(4);
  expect(kinds).toContain('reported');
  // and no detector found anything to say: every call in scope, every proxied call reported
  expect(await findingsOf(jti, last)).toEqual([]);
});

it('given an agent without the middleware, with one handler passed twice beside another, when its tools succeed and fail, then each call is reported once with its outcome, and a secret argument never reaches the audit', async () => {
  // given a tool declared for slack, one the app does not own mapped by the handler, and a tool that fails
  const runtime = await tenant.agent({ mode: 'logged', services: SERVICES });
  const postToSlack = mandateTool(
    tool(async () => 'posted', {
      name: 'post_to_slack',
      description: 'Post to Slack.',
      schema: z.object({ channel: z.string(), text: z.string(), credential: z.string() }),
    }),
    { service: 'slack', action: 'chat.postMessage' },
  );
  const flaky = tool(
    async (): Promise<string> => {
      throw new Error('the printer is on fire');
    },
    { name: 'flaky', description: 'Fails.', schema: z.object({ n: z.number() }) },
  );
  await runtime.withMission({ intent: 'Tell the team', services: ['slack', 'langchain'] }, async (mission) => {
    const handler = new MandateCallbackHandler(mission, { scopes: { flaky: { service: 'langchain', action: 'printer.check' } } });
    const model = scripted(
      [call('post_to_slack', 'call_post', { channel: '#ops', text: 'Printer down', credential: 'xoxb-1234567890-abcdef' })],
      [call('flaky', 'call_flaky', { n: 1 })],
    );
    // when it runs
    await createAgent({ model, tools: [postToSlack, flaky] }).invoke(ask('Tell #ops'), {
      callbacks: [handler, handler, new MandateCallbackHandler(mission, { scopes: { flaky: { service: 'langchain', action: 'printer.check' } } })],
    });
  });

  // then each call is reported once, with its outcome, and the secret argument never reaches the audit
  const calls = reported(await exported());
  expect(pick(calls, 'service', 'action', 'outcome')).toEqual([
    ['langchain', 'printer.check', 'failure'],
    ['slack', 'chat.postMessage', 'success'],
  ]);
  expect(calls.find((c) => c.service === 'slack')!.target).toBe('channel="#ops", text="Printer down", credential=[redacted]');
  expect(JSON.stringify(calls)).not.toContain('xoxb');
});

// ---- (b) out of scope: stopped before it runs

it.each([
  ['enforced', 'revoked'],
  ['logged', 'checked_out'],
] as const)('given a %s agent on a mission for echo only, when the model asks for a slack tool, then the call is stopped before it runs, reported, and the run ends with OutOfScope; the passport is then %s', async (mode, status) => {
  // given a mission for "echo" only, and a tool that acts on "slack"
  const runtime = await tenant.agent({ mode, services: SERVICES });
  const ran: string[] = [];
  const postToSlack = mandateTool(
    tool(async ({ text }) => (ran.push(text), 'posted'), { name: 'post_to_slack', description: 'Post to Slack.', schema: z.object({ channel: z.string(), text: z.string() }) }),
    { service: 'slack' },
  );
  const before = world.upstream.seen.length;
  let verdict: models.SecurityEventView[] = [];
  let jti = '';

  // when the model asks for it
  const run = runtime.withMission({ intent: 'Read tickets', services: ['echo'] }, async (mission) => {
    jti = mission.jti;
    const agent = createAgent({ model: scripted([call('post_to_slack', 'call_1', { channel: '#general', text: 'hello' })]), tools: [postToSlack], middleware: [mandateMiddleware(mission)] });
    try {
      await agent.invoke(ask('Say hello'));
    } catch (error) {
      // (the detectors' verdict on the reported attempt, awaited before withMission checks out)
      const stopped = mandateErrorOf(error);
      if (stopped instanceof OutOfScope) verdict = await findingsOf(mission.jti, stopped.problem.position as number);
      throw error;
    }
  });
  const error = await run.catch((e: unknown) => e);

  // then the run ended with a clear error, naming the tool and the service, and the tool never ran
  const stopped = mandateErrorOf(error);
  expect(stopped).toBeInstanceOf(OutOfScope);
  expect(stopped).toMatchObject({ code: 'TOOL_OUT_OF_SCOPE', problem: { tool: 'post_to_slack', service: 'slack', jti } });
  expect(String(error)).toContain("OutOfScope: 403 TOOL_OUT_OF_SCOPE: tool 'post_to_slack' acts on service 'slack'");
  expect(ran).toEqual([]);
  expect(world.upstream.seen.length).toBe(before);
  // and the attempt was reported, so scope_drift judged it at once: an enforced agent's passport is revoked
  expect(verdict.map((f) => [f.signal, f.severity, f.revoked])).toEqual([['scope_drift', 'critical', mode === 'enforced']]);
  expect(pick(reported(await exported()), 'service', 'action', 'outcome')).toEqual([['slack', 'post_to_slack', 'failure']]);
  expect((await tenant.operator.passports.get(jti)).status).toBe(status);
});

// ---- (c), (d) approval-gated tools

it('given refunds need a person, when the model asks for one, then the agent waits for the approval and runs exactly the approved call, once', async () => {
  // given refunds need a person, and an agent whose model asks for one
  await gateRefunds();
  const runtime = await tenant.agent({ mode: 'enforced', services: SERVICES });
  const before = world.upstream.seen.length;
  // when a person approves it from the queue while the agent waits
  const approver = decideFirstPending((operator, intentId) => operator.intents.approve(intentId, { note: 'ok' }));
  const { result, jti } = await runtime.withMission({ intent: 'Refund ticket 4821', services: ['echo'] }, async (mission) => ({
    result: await refundAgent(mission, 4200).invoke(ask('Refund ticket 4821'), { callbacks: [new MandateCallbackHandler(mission)] }),
    jti: mission.jti,
  }));
  const intent = await approver;

  // then the intent was for the tool's exact call, and the upstream received that call once
  expect([intent.named_intent, intent.target]).toEqual([REFUNDS, 'echo']);
  expect(intent.authorization_details[0]!.parameters).toEqual({ url: upstream('/refunds'), method: 'POST', body: { charge: 'ch_abc', amount: 4200 } });
  expect(received(before)).toEqual([{ method: 'POST', path: '/refunds', body: JSON.stringify({ charge: 'ch_abc', amount: 4200 }) }]);
  expect(JSON.parse(String(result.messages.at(-2)!.content))).toMatchObject({ authorized: true });
  // and the approval was spent by that call (the proxy's record names it), and the call reported once
  const decided = await tenant.operator.intents.get(intent.id);
  expect(decided.consumed).toBe(true);
  const events = await exported();
  expect(ofType(events, 'ProxiedCallStarted').map((c) => c.approvalId)).toEqual([decided.approval_id]);
  expect(pick(reported(events), 'action', 'outcome')).toEqual([['refund', 'success']]);
  expect((await tenant.operator.passports.get(jti)).status).toBe('checked_out');
});

it.each([
  ['logged', 'checked_out'],
  ['enforced', 'revoked'],
] as const)('given a %s agent asking for a refund, when the person rejects it, then the run ends with ApprovalRejected, the tool never ran, and the passport is %s', async (mode, status) => {
  // given refunds need a person, and an agent asking for one
  await gateRefunds();
  const runtime = await tenant.agent({ mode, services: SERVICES });
  const before = world.upstream.seen.length;
  let jti = '';

  // when the person rejects it
  const approver = decideFirstPending((operator, intentId) => operator.intents.reject(intentId, { note: 'too much' }));
  const error = await runtime
    .withMission({ intent: 'Refund', services: ['echo'] }, async (mission) => {
      jti = mission.jti;
      await refundAgent(mission, 420000).invoke(ask('Refund everything'));
    })
    .catch((e: unknown) => e);
  const intent = await approver;

  // then the run ended with the rejection, and nothing reached the upstream
  const rejected = mandateErrorOf(error);
  expect(rejected).toBeInstanceOf(ApprovalRejected);
  expect((rejected as ApprovalRejected).problem.intent_id).toBe(intent.id);
  expect(String(error)).toContain('too much');
  expect(world.upstream.seen.length).toBe(before);
  const events = await exported();
  expect(ofType(events, 'ProxiedCallStarted')).toEqual([]);
  expect(reported(events)).toEqual([]);
  // and an enforced agent's passport was revoked by the rejection (a logged one's mission checked out)
  expect((await tenant.operator.passports.get(jti)).status).toBe(status);
});

// ---- (e) interrupt: the run parks until a person decides

it('given interrupt mode, when the model asks for a refund, then the run parks with the intent to decide, and once a person approved it the resumed run makes exactly that call, once, under the one intent', async () => {
  // given an agent with a checkpointer, whose middleware parks gated calls instead of blocking on them
  await gateRefunds();
  const runtime = await tenant.agent({ mode: 'enforced', services: SERVICES });
  const before = world.upstream.seen.length;
  let parked: ParkedApproval | undefined;
  const done = await runtime.withMission({ intent: 'Refund ticket 4821', services: ['echo'] }, async (mission) => {
    const agent = refundAgent(mission, 4200, { approval: 'interrupt' });
    const config = { callbacks: [new MandateCallbackHandler(mission)], configurable: { thread_id: 'ticket-4821' } };

    // when it asks for a refund, the run parks with the intent to decide, and nothing has been sent
    const pauses = interruptsOf(await agent.invoke(ask('Refund ticket 4821'), config));
    expect(pauses).toHaveLength(1);
    parked = pauses[0]!.value;
    expect(parked).toMatchObject({ type: 'mandate_approval', named_intent: REFUNDS, tool: 'refund', tool_call_id: 'call_refund' });
    expect(parked.call).toEqual({ method: 'POST', url: upstream('/refunds'), body: { charge: 'ch_abc', amount: 4200 } });
    expect(world.upstream.seen.length).toBe(before);
    expect((await tenant.operator.intents.get(parked.intent_id)).status).toBe('pending');

    // and a person approves it, and the app resumes the run (what it resumes with is not the decision: Mandate's is)
    await tenant.operator.intents.approve(parked.intent_id);
    return agent.invoke(new Command({ resume: { approved: true } }), config);
  });

  // then the approved call ran once, under the one intent (the resumed call found it again, it did not submit another)
  expect(interruptsOf(done)).toEqual([]);
  expect(received(before)).toEqual([{ method: 'POST', path: '/refunds', body: JSON.stringify({ charge: 'ch_abc', amount: 4200 }) }]);
  expect((await tenant.operator.intents.get(parked!.intent_id)).consumed).toBe(true);
  const events = await exported();
  expect(ofType(events, 'IntentSubmitted')).toHaveLength(1);
  expect(pick(reported(events), 'action', 'outcome')).toEqual([['refund', 'success']]);
});

it('given a parked run, when the app resumes it before anyone decided and the person then rejects it, then the middleware waited for the decision: ApprovalRejected, and nothing was sent', async () => {
  // given a parked run
  await gateRefunds();
  const runtime = await tenant.agent({ mode: 'logged', services: SERVICES });
  const before = world.upstream.seen.length;
  let pauses: Array<{ value: ParkedApproval }> = [];
  const error = await runtime
    .withMission({ intent: 'Refund', services: ['echo'] }, async (mission) => {
      const agent = refundAgent(mission, 1, { approval: 'interrupt' });
      const config = { configurable: { thread_id: 't' } };
      pauses = interruptsOf(await agent.invoke(ask('Refund'), config));
      // when the app resumes it "approved" while the intent is still pending, and the person then rejects it
      const approver = decideFirstPending((operator, intentId) => operator.intents.reject(intentId));
      await agent.invoke(new Command({ resume: { approved: true } }), config);
      await approver;
    })
    .catch((e: unknown) => e);

  // then the rejection ended the run, and nothing was sent
  expect(mandateErrorOf(error)).toBeInstanceOf(ApprovalRejected);
  expect(pauses).toHaveLength(1);
  expect(world.upstream.seen.length).toBe(before);
});

// ---- the kill switch, a gated tool on its own, calls that cannot run

it('given an operator who pulls the kill switch between two turns, when the agent makes its next proxied call, then the proxy refuses it and the run ends with PassportRevoked', async () => {
  // given an operator who pulls the kill switch between two turns of the agent
  const runtime = await tenant.agent({ mode: 'enforced', services: SERVICES });
  const before = world.upstream.seen.length;
  const run = runtime.withMission({ intent: 'Read tickets', services: ['echo'] }, async (mission) => {
    const getTicket = proxiedTool(mission, { name: 'get_ticket', description: 'Read a ticket', service: 'echo', url: upstream('/tickets/{ticket_id}') });
    const killSwitch = mandateTool(
      tool(
        async () => {
          await tenant.operator.passports.revoke(mission.jti, { reason: 'off-script' });
          return 'revoked';
        },
        { name: 'kill_switch', description: "The operator revokes the passport (the test's stand-in for a person watching).", schema: z.object({}) },
      ),
      { service: 'echo' },
    );
    const model = scripted([call('kill_switch', 'call_kill')], [call('get_ticket', 'call_get', { ticket_id: '1' })]);
    await createAgent({ model, tools: [killSwitch, getTicket], middleware: [mandateMiddleware(mission)] }).invoke(ask('Read ticket 1'));
  });

  // when the agent makes its next proxied call, then the proxy refuses it and the run ends (a tool's error is not wrapped)
  await expect(run).rejects.toBeInstanceOf(PassportRevoked);
  expect(world.upstream.seen.length).toBe(before);
});

it('given a gated tool invoked by hand (no agent, no middleware), when it is called, then it submits the intent for its call itself, waits for the person, and makes exactly that call once', async () => {
  // given a gated tool used outside an agent (invoked by hand, as a chain would), with the callback handler only
  await gateRefunds();
  const runtime = await tenant.agent({ mode: 'logged', services: SERVICES });
  const before = world.upstream.seen.length;
  const approver = decideFirstPending((operator, intentId) => operator.intents.approve(intentId));
  // when it is called
  const answer = await runtime.withMission({ intent: 'Refund', services: ['echo'] }, (mission) =>
    refundTool(mission).invoke({ charge: 'ch_abc', amount: 7 }, { callbacks: [new MandateCallbackHandler(mission)] }),
  );
  const intent = await approver;

  // then it submitted the intent for its call itself, waited for the person, and made exactly that call once
  expect(intent.authorization_details[0]!.parameters).toMatchObject({ body: { charge: 'ch_abc', amount: 7 } });
  expect(JSON.parse(String(answer))).toMatchObject({ authorized: true });
  expect(received(before)).toEqual([{ method: 'POST', path: '/refunds', body: JSON.stringify({ charge: 'ch_abc', amount: 7 }) }]);
  expect(pick(reported(await exported()), 'action', 'outcome')).toEqual([['refund', 'success']]);
});

it('given a model that invents a tool and forgets an argument a gated URL needs, when the agent runs, then the model reads both errors and nothing is sent, submitted or found', async () => {
  // given a gated tool whose URL needs a charge, and a model that invents a tool and forgets the charge
  await gateRefunds();
  const runtime = await tenant.agent({ mode: 'enforced', services: SERVICES });
  const before = world.upstream.seen.length;
  const { result, jti } = await runtime.withMission({ intent: 'Refund', services: ['echo'] }, async (mission) => {
    const refund = proxiedTool(mission, {
      name: 'refund_charge',
      description: 'Refund a charge',
      service: 'echo',
      method: 'POST',
      url: upstream('/charges/{charge}/refunds'),
      schema: { type: 'object', properties: { charge: { type: 'string' }, amount: { type: 'number' } } },
      namedIntent: REFUNDS,
    });
    const model = scripted([call('launch_rockets', 'call_rockets', { count: 3 }), call('refund_charge', 'call_refund', { amount: 5 })]);
    // when it runs
    const agent = createAgent({ model, tools: [refund as StructuredToolInterface], middleware: [mandateMiddleware(mission)] });
    return { result: await agent.invoke(ask('Refund')), jti: mission.jti };
  });

  // then the model reads both errors, nothing was sent or submitted, and no tool outside the mission was "used"
  const answers = toolAnswers(result.messages);
  expect(answers.launch_rockets!.status).toBe('error');
  expect(answers.refund_charge!.status).toBe('error');
  expect(String(answers.refund_charge!.content)).toContain('needs charge');
  expect(world.upstream.seen.length).toBe(before);
  const events = await exported();
  expect(ofType(events, 'IntentSubmitted')).toEqual([]);
  expect(pick(reported(events), 'action', 'outcome')).toEqual([['refund_charge', 'failure']]);
  expect(await findingsOf(jti, events.at(-1)!.position)).toEqual([]);
  expect((await tenant.operator.passports.get(jti)).status).toBe('checked_out');
});

// ---- the pieces, without a server

it('given URL templates and arguments, when the call is made from them, then path values are one encoded segment and the rest is the body or the query', () => {
  expect(httpCall('post', 'https://api.x.com/v1/charges/{charge}/refunds', { charge: 'ch/1', amount: 5 })).toEqual({
    method: 'POST',
    url: 'https://api.x.com/v1/charges/ch%2F1/refunds',
    body: { amount: 5 },
  });
  expect(httpCall('GET', 'https://api.x.com/search?v=1', { q: 'a b', tags: ['x', 'y'], all: true }).url).toBe('https://api.x.com/search?v=1&q=a+b&tags=x&tags=y&all=true');
  expect(() => httpCall('POST', 'https://api.x.com/{charge}', {})).toThrow('needs charge');
});

it('given arguments holding secrets by name and by shape, when they are summarised as a target, then the summary names them and hides their values', () => {
  const text = summary({
    channel: '#ops',
    api_key: 'plain',
    password: 'hunter2',
    note: 'Bearer abc.def',
    stripe: 'sk_live_51HabcdefGHIJ',
    jwt: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.sig',
    card: '4242 4242 4242 4242',
    blob: 'AbCdEf0123456789AbCdEf0123456789',
    nested: { token: 'x' },
    many: [1, 2],
    long: 'x'.repeat(100),
  })!;
  expect(text.length).toBeLessThanOrEqual(200);
  for (const secret of ['plain', 'hunter2', 'abc.def', 'sk_live', 'eyJ', '4242', 'AbCdEf']) expect(text).not.toContain(secret);
  expect(text.startsWith('channel="#ops", api_key=[redacted], password=[redacted], note=[redacted], stripe=[redacted]')).toBe(true);
  expect(text).toContain('nested={…}, many=[2 items], long="xxxx');
});

it('given a scope declaration, when it names an approval without its call or a service name Mandate cannot hold, then it is refused at once', () => {
  expect(() => new MandateScope({ service: 'stripe', namedIntent: 'stripe:refunds:create' })).toThrow(ConfigurationError);
  expect(() => new MandateScope({ service: 'stripe', namedIntent: 'stripe:refunds:create' })).toThrow('exact call');
  expect(() => new MandateScope({ service: 'Stripe API' })).toThrow('service name');
  expect(() => mandateMiddleware({} as Mission, { approval: 'later' as 'wait' })).toThrow(ConfigurationError);
});
