import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { canonicalJson, DomainError, newId } from '@mandate/core';
import { Amount, callShape, evaluatePolicy, intentDecider, IntentFacts, intentStream, policyDecider, policyStream } from '@mandate/intents';
import { Decisions, idempotentId, invalidUrl, passportOf, Principal, requestFingerprint } from '@mandate/platform';
import { IntentChanges } from '../intent-access';
import { intentView } from '../intent-view';
import { SubmitIntentDto } from './submit-intent.dto';

const DEFAULT_EXPIRES_IN = 300;

export class SubmitIntent {
  constructor(readonly principal: Principal, readonly body: SubmitIntentDto, readonly idempotencyKey: string | null = null) {}
}

/** The passport is used (a dead one is refused and recorded), policy decides, and the intent is stored as RFC 9396 details. */
@CommandHandler(SubmitIntent)
export class SubmitIntentHandler implements ICommandHandler<SubmitIntent> {
  constructor(
    private readonly decisions: Decisions,
    private readonly changes: IntentChanges,
  ) {}

  async execute({ principal, body, idempotencyKey }: SubmitIntent) {
    const passport = passportOf(principal);
    const shape = callShape(body.target, body.parameters);
    if (!shape) throw invalidUrl('parameters.url');
    // One context for the use of the passport and the intent it submits: one request, one correlation.
    const decision = this.decisions.by(passport, passport.claims.tid);
    const { context } = decision;
    const { state: mission } = await this.decisions.usePassport(passport, { type: 'UsePassport', operation: 'intent', services: [body.target] }, { context });
    const amount: Amount | null = body.amount ?? null;
    const policy = (await this.decisions.repository.load(policyDecider, policyStream(passport.claims.tid))).state.policy;
    const verdict = evaluatePolicy(policy, { namedIntent: body.named_intent, service: body.target, method: shape.method, amount });
    // With an idempotency key the intent id is derived from it (per passport), so a retry lands on the same stream.
    const intentId = idempotencyKey ? idempotentId('int', passport.claims.tid, passport.claims.jti, idempotencyKey) : newId('int', 12);
    const executed = await decision.execute(
      intentDecider,
      intentStream(intentId),
      {
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
            locations: [new URL(body.parameters.url).origin],
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
        ...(idempotencyKey ? { requestFingerprint: requestFingerprint(canonicalJson(body)) } : {}),
        now: context.now,
      },
    );
    const replayed = executed.events.length === 0;
    if (!replayed) this.changes.changed(intentId);
    if (executed.events.some((e) => e.type === 'IntentRefused') || executed.state.status === 'refused') {
      throw new DomainError('INTENT_OUT_OF_SCOPE', `service "${body.target}" is outside this mission's services`, {
        mission_services: mission.services,
        position: executed.position,
      });
    }
    return { replayed, body: intentView(executed.state as IntentFacts, executed.position) };
  }
}
