import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@mandate/core';
import { ToolCall } from '@mandate/missions';
import { ApprovalGate, Decisions, passportOf, Principal } from '@mandate/platform';
import { LogActionsDto, ToolCallDto } from './log-tool-calls.dto';

export class LogToolCalls {
  constructor(readonly principal: Principal, readonly jti: string, readonly body: LogActionsDto) {}
}

const toToolCall = (c: ToolCallDto | LogActionsDto): ToolCall => ({
  service: c.service!,
  action: c.action!,
  ...(c.target != null ? { target: c.target } : {}),
  outcome: c.outcome ?? 'unknown',
  ...(c.approval_id != null ? { approvalId: c.approval_id } : {}),
});

const invalid = (detail: string, errors?: Array<{ field: string; problems: string[] }>) =>
  new DomainError('VALIDATION_FAILED', detail, errors ? { errors } : {});

/** The calls of one request: one, or a batch; at most one carries an approval, since an approval opens the door once. */
function callsOf(body: LogActionsDto): { calls: Array<ToolCallDto | LogActionsDto>; gated: { call: ToolCallDto | LogActionsDto; urlField: string } | null } {
  const single =
    body.service !== undefined || body.action !== undefined || body.target !== undefined || body.outcome !== undefined || body.approval_id !== undefined || body.request !== undefined;
  if (body.calls && single) throw invalid('send either one call (service, action, …) or a batch in "calls", not both');
  if (!body.calls && (!body.service || !body.action)) {
    throw invalid('a tool call needs "service" and "action" (or send a batch in "calls")', [{ field: body.service ? 'action' : 'service', problems: ['is required'] }]);
  }
  const calls = body.calls ?? [body];
  const field = (i: number, name: string) => (body.calls ? `calls.${i}.${name}` : name);
  const gated = calls.map((call, i) => ({ call, i })).filter(({ call }) => call.approval_id !== undefined);
  for (const { call, i } of gated) {
    if (!call.request) throw invalid('a call that carries approval_id must name its request (method, url, body)', [{ field: field(i, 'request'), problems: ['is required with approval_id'] }]);
  }
  if (gated.length > 1) {
    throw invalid(
      'a request may carry at most one call with approval_id; send gated calls one at a time',
      gated.slice(1).map(({ i }) => ({ field: `calls.${i}.approval_id`, problems: ['only one gated call per request'] })),
    );
  }
  return { calls, gated: gated[0] ? { call: gated[0].call, urlField: field(gated[0].i, 'request.url') } : null };
}

/** The agent's own record of what it did. A gated call is recorded in the same commit as the approval it spends. */
@CommandHandler(LogToolCalls)
export class LogToolCallsHandler implements ICommandHandler<LogToolCalls> {
  constructor(
    private readonly decisions: Decisions,
    private readonly gate: ApprovalGate,
  ) {}

  async execute({ principal, jti, body }: LogToolCalls) {
    const { calls, gated } = callsOf(body);
    const use = { type: 'LogToolCalls' as const, calls: calls.map(toToolCall) };
    const { position } = gated
      ? await this.gate.pass(passportOf(principal, jti), { approvalId: gated.call.approval_id!, request: { service: gated.call.service!, ...gated.call.request! }, urlField: gated.urlField }, use)
      : await this.decisions.usePassport(principal, use, { jti });
    return { jti, logged: calls.length, position };
  }
}
