import { randomUUID } from 'crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Actor, Clock, DomainError, newId, RecordedEvent } from '@mandate/core';
import {
  Amount,
  APPROVAL_REFUSALS,
  ApprovalRefusal,
  callShape,
  CallRequest,
  evaluatePolicy,
  intentDecider,
  IntentFacts,
  intentIdOfApproval,
  IntentState,
  intentStream,
  policyDecider,
  policyStream,
  INTENT_STREAM_PREFIX,
} from '@mandate/intents';
import { missionDecider, missionStream } from '@mandate/missions';
import { AggregateRepository, CLOCK, Principal, operatorOf, passportOf, usePassport } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { SubmitIntentDto } from './intents.dto';

const DEFAULT_EXPIRES_IN = 300;
const RETRY_AFTER_SECONDS = 2;
const SWEEP_EVERY_MS = 1000;

/** What a caller may see of an intent. */
export function intentView(intent: IntentFacts, position?: number) {
  return {
    id: intent.intentId,
    status: intent.status,
    named_intent: intent.namedIntent,
    target: intent.service,
    action: intent.action,
    amount: intent.amount,
    reason: intent.reason,
    authorization_details: intent.authorizationDetails,
    agent_id: intent.agentId,
    jti: intent.jti,
    mission_id: intent.missionId,
    submitted_at: intent.submittedAt,
    expires_at: intent.expiresAt,
    approvals: { required: intent.approvalsRequired, given: intent.approvers },
    decision: intent.decision,
    approval_id: intent.approvalId,
    approval_expires_at: intent.approvalExpiresAt,
    consumed: intent.consumed,
    ...(intent.status === 'pending' ? { retry_after_seconds: RETRY_AFTER_SECONDS } : {}),
    ...(position !== undefined ? { position } : {}),
  };
}

@Injectable()
export class IntentsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('intents');
  /** Long-polls waiting on an intent; every command on it wakes them. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private sweep: NodeJS.Timeout | null = null;
  private stopWatching: (() => void) | null = null;

  constructor(
    private readonly repository: AggregateRepository,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // Distributed mode: a decision taken in another process (or replica) wakes the long-polls waiting here too.
    this.stopWatching =
      this.readModels.onIntentChanges?.((streamIds) => {
        for (const streamId of streamIds) this.waiters.get(streamId.slice(INTENT_STREAM_PREFIX.length))?.forEach((wake) => wake());
      }) ?? null;
    // Pending intents expire at their deadline even when nobody asks about them.
    this.sweep = setInterval(() => void this.expireDue().catch((e) => this.logger.error(`expiry sweep failed: ${e}`)), SWEEP_EVERY_MS);
    this.sweep.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.stopWatching?.();
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private async run(intentId: string, tenantId: string, actor: Actor, command: Parameters<typeof intentDecider.decide>[0] | ((s: IntentState) => Parameters<typeof intentDecider.decide>[0])) {
    const executed = await this.repository.execute(intentDecider, intentStream(intentId), command, {
      tenantId,
      actor,
      now: this.now(),
      correlationId: randomUUID(),
    });
    if (executed.events.length > 0) this.waiters.get(intentId)?.forEach((wake) => wake());
    return executed;
  }

  async load(intentId: string): Promise<IntentState> {
    if (!/^int_[A-Za-z0-9_-]{1,64}$/.test(intentId)) return { status: 'none' };
    return (await this.repository.load(intentDecider, intentStream(intentId))).state;
  }

  /** The intent as the principal may see it: its own passport's, or any of the operator's tenant; else not found. */
  async visible(principal: Principal, intentId: string): Promise<IntentFacts> {
    const state = await this.load(intentId);
    const notFound = new DomainError('NOT_FOUND', `intent ${intentId} was not found`, 404);
    if (state.status === 'none' || state.status === 'refused' || principal.kind === 'admin') throw notFound;
    if (principal.tenantId !== (await this.tenantOfIntent(state))) throw notFound;
    if (principal.kind === 'passport' && principal.claims.jti !== state.jti) throw notFound;
    return state;
  }

  async policyFor(tenantId: string) {
    return (await this.repository.load(policyDecider, policyStream(tenantId))).state.policy;
  }

  async simulate(principal: Principal, body: SubmitIntentDto) {
    const passport = passportOf(principal);
    const shape = callShape(body.target, body.parameters);
    if (!shape) throw invalidUrl('parameters.url');
    const mission = (await this.repository.load(missionDecider, missionStream(passport.claims.mission_id))).state;
    const services = mission.status === 'issued' ? mission.services : [];
    const verdict = evaluatePolicy(await this.policyFor(passport.claims.tid), {
      namedIntent: body.named_intent,
      service: body.target,
      method: shape.method,
      amount: body.amount ?? null,
    });
    const inScope = services.includes(body.target);
    return {
      decision: inScope ? verdict.decision : 'refused',
      approvals_required: inScope ? verdict.approvalsRequired : 0,
      rule: verdict.rule,
      reason: inScope ? verdict.reason : `service "${body.target}" is outside this mission's services`,
      in_scope: inScope,
    };
  }

  async submit(principal: Principal, body: SubmitIntentDto) {
    const passport = passportOf(principal);
    const shape = callShape(body.target, body.parameters);
    if (!shape) throw invalidUrl('parameters.url');
    const now = this.now();
    const { state: mission } = await usePassport(this.repository, passport, now, { type: 'UsePassport', operation: 'intent', services: [body.target] });
    const amount: Amount | null = body.amount ?? null;
    const verdict = evaluatePolicy(await this.policyFor(passport.claims.tid), { namedIntent: body.named_intent, service: body.target, method: shape.method, amount });
    const intentId = newId('int', 12);
    const origin = new URL(body.parameters.url).origin;
    const executed = await this.run(intentId, passport.claims.tid, passport.actor, {
      type: 'SubmitIntent',
      intentId,
      mission: { missionId: mission.missionId, jti: mission.jti, agentId: mission.agentId, services: mission.services, accountabilityMode: mission.accountabilityMode },
      namedIntent: body.named_intent,
      service: body.target,
      action: body.action,
      call: shape,
      amount,
      reason: body.reason,
      authorizationDetails: [
        {
          type: 'mandate_intent',
          locations: [origin],
          actions: [shape.method],
          named_intent: body.named_intent,
          target: body.target,
          action: body.action,
          parameters: { url: body.parameters.url, method: shape.method, ...(body.parameters.body !== undefined ? { body: body.parameters.body } : {}) },
          ...(amount ? { amount } : {}),
          ...(body.estimated_cost ? { estimated_cost: body.estimated_cost } : {}),
          reason: body.reason,
        },
      ],
      expiresInSeconds: body.expires_in ?? DEFAULT_EXPIRES_IN,
      verdict,
      now,
    });
    if (executed.events.some((e) => e.type === 'IntentRefused')) {
      throw new DomainError('INTENT_OUT_OF_SCOPE', `service "${body.target}" is outside this mission's services`, 403, {
        mission_services: mission.services,
        position: executed.position,
      });
    }
    return intentView(executed.state as IntentFacts, executed.position);
  }

  async decide(principal: Principal, intentId: string, verdict: 'approve' | 'reject', note: string) {
    await this.visible(principal, intentId);
    if (principal.kind !== 'operator') throw new DomainError('SELF_APPROVAL_FORBIDDEN', 'only a person with an approver key can decide on an intent', 403);
    const now = this.now();
    const executed = await this.run(intentId, principal.tenantId, principal.actor, {
      type: verdict === 'approve' ? 'ApproveIntent' : 'RejectIntent',
      approver: principal.actor,
      note,
      now,
    });
    const intent = executed.state as IntentFacts;
    if (executed.events.some((e) => e.type === 'IntentExpired')) {
      throw new DomainError('INTENT_EXPIRED', 'this intent expired before a decision', 409, { position: executed.position });
    }
    let position = executed.position;
    if (verdict === 'reject' && intent.accountabilityMode === 'enforced') {
      // Enforced mode: an agent whose risky action a person refused loses its passport.
      const revoked = await this.repository.execute(
        missionDecider,
        missionStream(intent.missionId),
        { type: 'RevokePassport', reason: `intent ${intentId} (${intent.namedIntent}) rejected${note ? `: ${note}` : ''}`, scope: 'passport', now },
        { tenantId: principal.tenantId, actor: principal.actor, now, correlationId: randomUUID(), causationId: executed.events[0]?.id ?? null },
      );
      position = Math.max(position, revoked.position);
    }
    return intentView(intent, position);
  }

  /** Long-poll: returns at once when the intent is final, at its deadline, or after `waitSeconds`. */
  async get(principal: Principal, intentId: string, waitSeconds: number) {
    let intent = await this.visible(principal, intentId);
    if (intent.status === 'pending' && this.now() >= intent.expiresAt) intent = await this.expire(intent);
    if (intent.status !== 'pending' || waitSeconds === 0) return intentView(intent);
    const deadline = Math.min(Date.now() + waitSeconds * 1000, Date.parse(intent.expiresAt) + 5);
    while (intent.status === 'pending' && Date.now() < deadline) {
      // Watch first, then read: a decision committed between the two still wakes this poll.
      const change = this.watch(intentId, deadline - Date.now());
      intent = await this.visible(principal, intentId);
      if (intent.status === 'pending') await change.happened;
      change.cancel();
      intent = await this.visible(principal, intentId);
      if (intent.status === 'pending' && this.now() >= intent.expiresAt) intent = await this.expire(intent);
    }
    return intentView(intent);
  }

  private async expire(intent: IntentFacts): Promise<IntentFacts> {
    const tenantId = (await this.tenantOfIntent(intent)) ?? '';
    return (await this.run(intent.intentId, tenantId, { kind: 'system', id: 'expiry' }, { type: 'ExpireIntent', now: this.now() })).state as IntentFacts;
  }

  /** Resolves on the next command that changes the intent, or after the timeout. */
  private watch(intentId: string, timeoutMs: number): { happened: Promise<void>; cancel(): void } {
    let wake!: () => void;
    const happened = new Promise<void>((resolve) => {
      const set = this.waiters.get(intentId) ?? new Set();
      this.waiters.set(intentId, set);
      wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(intentId);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, timeoutMs));
      set.add(wake);
    });
    return { happened, cancel: wake };
  }

  async list(principal: Principal, status: string, cursor: string, limit: number) {
    const page = await this.readModels.intents(operatorOf(principal).tenantId, status, cursor, limit);
    return {
      intents: page.map((i) => ({
        id: i.intentId, status: i.status, named_intent: i.namedIntent, target: i.service, agent_id: i.agentId, jti: i.jti,
        mission_id: i.missionId, submitted_at: i.submittedAt, expires_at: i.expiresAt,
        approvals: { required: i.approvalsRequired, given: i.approvalsGiven },
      })),
      next_cursor: page.length === limit ? page[page.length - 1].intentId : null,
    };
  }

  /**
   * The gate: the approval of `intentId` is used by this passport for this call. Every outcome is an event; a refusal
   * is answered with its status and code (`call_mismatch` names the fields that differ).
   */
  async consume(principal: Principal, approvalId: string, request: CallRequest & { service: string }, amount?: Amount, urlField = 'url') {
    const passport = passportOf(principal);
    const shape = callShape(request.service, request);
    if (!shape) throw invalidUrl(urlField);
    const intentId = intentIdOfApproval(approvalId);
    const state = await this.load(intentId);
    if (state.status === 'none' || state.status === 'refused' || (await this.tenantOfIntent(state)) !== passport.claims.tid) {
      throw new DomainError('NOT_FOUND', `approval ${approvalId} was not found`, 404);
    }
    const now = this.now();
    await usePassport(this.repository, passport, now, { type: 'UsePassport', operation: 'approval', services: [request.service] });
    const executed = await this.run(intentId, passport.claims.tid, passport.actor, {
      type: 'ConsumeApproval',
      approvalId,
      presentedBy: passport.claims.jti,
      call: shape,
      amount,
      now,
    });
    const refusal = executed.events.find((e): e is RecordedEvent<'ApprovalRefused', { reason: ApprovalRefusal; mismatched: string[] }> => e.type === 'ApprovalRefused');
    if (refusal) {
      const answer = APPROVAL_REFUSALS[refusal.data.reason];
      throw new DomainError(answer.code, answer.detail, answer.status, {
        gate_reason: refusal.data.reason,
        ...(refusal.data.mismatched.length > 0 ? { mismatched: refusal.data.mismatched } : {}),
        position: executed.position,
      });
    }
    return { approval_id: approvalId, intent_id: intentId, consumed: true, position: executed.position };
  }

  private async tenantOfIntent(intent: IntentFacts): Promise<string | null> {
    const mission = (await this.repository.load(missionDecider, missionStream(intent.missionId))).state;
    return mission.status === 'issued' ? mission.tenantId : null;
  }

  async expireDue(): Promise<number> {
    const due = await this.readModels.dueIntents(this.now(), 200);
    for (const { intentId, tenantId } of due) {
      await this.run(intentId, tenantId, { kind: 'system', id: 'expiry' }, { type: 'ExpireIntent', now: this.now() });
    }
    return due.length;
  }
}

const invalidUrl = (field: string) =>
  new DomainError('VALIDATION_FAILED', `${field} must be an absolute http(s) URL`, 422, { errors: [{ field, problems: ['must be an absolute http(s) URL'] }] });
