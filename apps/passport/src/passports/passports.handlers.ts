import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Principal } from '@mandate/platform';
import { ToolCall } from '@mandate/missions';
import { KillSwitch } from '../kill-switch/kill-switch';
import { operatorOf } from '../principal';
import { CheckoutDto, CheckpointDto, IssuePassportDto, LogActionsDto, ToolCallDto } from './passports.dto';
import { missionIdOf, PassportsService } from './passports.service';
import { DomainError } from '@mandate/core';
import { passportOf } from '@mandate/platform';
import { IntentsService } from '../../../intent/src/intents/intents.service';

export class IssuePassport {
  constructor(readonly principal: Principal, readonly body: IssuePassportDto, readonly idempotencyKey: string | null) {}
}
export class RecordCheckpoint {
  constructor(readonly principal: Principal, readonly jti: string, readonly body: CheckpointDto) {}
}
export class LogToolCalls {
  constructor(readonly principal: Principal, readonly jti: string, readonly body: LogActionsDto) {}
}
export class CheckOut {
  constructor(readonly principal: Principal, readonly jti: string, readonly body: CheckoutDto) {}
}
export class RevokePassport {
  constructor(readonly principal: Principal, readonly jti: string, readonly reason: string) {}
}

@CommandHandler(IssuePassport)
export class IssuePassportHandler implements ICommandHandler<IssuePassport> {
  constructor(private readonly passports: PassportsService) {}
  execute({ principal, body, idempotencyKey }: IssuePassport) {
    return this.passports.issue(principal, body, idempotencyKey);
  }
}

@CommandHandler(RecordCheckpoint)
export class RecordCheckpointHandler implements ICommandHandler<RecordCheckpoint> {
  constructor(private readonly passports: PassportsService) {}
  async execute({ principal, jti, body }: RecordCheckpoint) {
    const { state, position, events } = await this.passports.use(principal, jti, {
      type: 'RecordCheckpoint',
      servicesUsed: body.services_used ?? [],
      actionsCount: body.actions_count ?? 0,
      summary: body.summary ?? '',
    });
    const at = events[0]?.occurredAt ?? state.issuedAt;
    // Enforced passports live one interval at a time: the checkpoint is what renews them.
    const token = state.accountabilityMode === 'enforced' ? await this.passports.sign(state, at) : undefined;
    return { jti, checkpoint_due_at: state.checkpointDueAt, expires_at: state.leashExpiresAt, ...(token ? { token } : {}), position };
  }
}

const toToolCall = (c: ToolCallDto | LogActionsDto): ToolCall => ({
  service: c.service!,
  action: c.action!,
  ...(c.target != null ? { target: c.target } : {}),
  outcome: c.outcome ?? 'unknown',
  ...(c.approval_id != null ? { approvalId: c.approval_id } : {}),
});

@CommandHandler(LogToolCalls)
export class LogToolCallsHandler implements ICommandHandler<LogToolCalls> {
  constructor(
    private readonly passports: PassportsService,
    private readonly intents: IntentsService,
  ) {}

  async execute({ principal, jti, body }: LogToolCalls) {
    const single =
      body.service !== undefined || body.action !== undefined || body.target !== undefined || body.outcome !== undefined || body.approval_id !== undefined || body.request !== undefined;
    if (body.calls && single) throw new DomainError('VALIDATION_FAILED', 'send either one call (service, action, …) or a batch in "calls", not both', 422);
    if (!body.calls && (!body.service || !body.action)) {
      throw new DomainError('VALIDATION_FAILED', 'a tool call needs "service" and "action" (or send a batch in "calls")', 422, {
        errors: [{ field: body.service ? 'action' : 'service', problems: ['is required'] }],
      });
    }
    const requested = body.calls ?? [body];
    for (const [i, call] of requested.entries()) {
      if (call.approval_id === undefined) continue;
      if (!call.request) {
        throw new DomainError('VALIDATION_FAILED', 'a call that carries approval_id must name its request (method, url, body)', 422, {
          errors: [{ field: body.calls ? `calls.${i}.request` : 'request', problems: ['is required with approval_id'] }],
        });
      }
    }
    // An approval is spent when the gate opens: with two in one batch, a refusal of the second would strand the first.
    const gated = requested.map((call, i) => ({ call, i })).filter(({ call }) => call.approval_id !== undefined);
    if (gated.length > 1) {
      throw new DomainError('VALIDATION_FAILED', 'a request may carry at most one call with approval_id; send gated calls one at a time', 422, {
        errors: gated.slice(1).map(({ i }) => ({ field: `calls.${i}.approval_id`, problems: ['only one gated call per request'] })),
      });
    }
    passportOf(principal, jti);
    // The gate first: a gated call is logged only once its approval has opened the door for exactly this call.
    for (const { call, i } of gated) {
      await this.intents.consume(principal, call.approval_id!, { service: call.service!, ...call.request! }, undefined, body.calls ? `calls.${i}.request.url` : 'request.url');
    }
    const calls = requested.map(toToolCall);
    const { position } = await this.passports.use(principal, jti, { type: 'LogToolCalls', calls });
    return { jti, logged: calls.length, position };
  }
}

@CommandHandler(CheckOut)
export class CheckOutHandler implements ICommandHandler<CheckOut> {
  constructor(private readonly passports: PassportsService) {}
  async execute({ principal, jti, body }: CheckOut) {
    const { position, state } = await this.passports.use(principal, jti, { type: 'CheckOut', summary: body.summary ?? '', outcome: body.outcome });
    return { jti, status: 'checked_out', outcome: state.checkedOut?.outcome, position };
  }
}

@CommandHandler(RevokePassport)
export class RevokePassportHandler implements ICommandHandler<RevokePassport> {
  constructor(
    private readonly passports: PassportsService,
    private readonly killSwitch: KillSwitch,
  ) {}
  async execute({ principal, jti, reason }: RevokePassport) {
    const mission = await this.passports.get(principal, jti);
    const { position, events } = await this.killSwitch.revokeOne(principal, operatorOf(principal).tenantId, missionIdOf(mission.jti), reason, 'passport');
    return { jti, revoked: true, already_revoked: events.length === 0, position };
  }
}

export const PASSPORT_HANDLERS = [IssuePassportHandler, RecordCheckpointHandler, LogToolCallsHandler, CheckOutHandler, RevokePassportHandler];
