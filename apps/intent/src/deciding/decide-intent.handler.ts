import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@mandate/core';
import { intentDecider, IntentFacts, intentStream } from '@mandate/intents';
import { Decisions, Principal, Revocations } from '@mandate/platform';
import { IntentAccess, IntentChanges } from '../intent-access';
import { intentView } from '../intent-view';

export class DecideIntent {
  constructor(readonly principal: Principal, readonly intentId: string, readonly verdict: 'approve' | 'reject', readonly note: string) {}
}

/** A person approves or rejects; the decider says who may. In enforced mode a rejection also ends the passport that asked. */
@CommandHandler(DecideIntent)
export class DecideIntentHandler implements ICommandHandler<DecideIntent> {
  constructor(
    private readonly decisions: Decisions,
    private readonly access: IntentAccess,
    private readonly changes: IntentChanges,
    private readonly revocations: Revocations,
  ) {}

  async execute({ principal, intentId, verdict, note }: DecideIntent) {
    await this.access.visible(principal, intentId);
    const decision = this.decisions.byOperator(principal);
    const { operator, context } = decision;
    const approver = { actor: operator.actor, role: operator.role };
    const executed = await decision.execute(
      intentDecider,
      intentStream(intentId),
      verdict === 'approve' ? { type: 'ApproveIntent', approver, note, now: context.now } : { type: 'RejectIntent', approver, note, now: context.now },
    );
    this.changes.changed(intentId);
    const intent = executed.state as IntentFacts;
    if (executed.events.some((e) => e.type === 'IntentExpired')) {
      throw new DomainError('INTENT_EXPIRED', 'this intent expired before a decision', { position: executed.position });
    }
    let position = executed.position;
    const rejected = executed.events.find((e) => e.type === 'IntentRejected');
    if (rejected && intent.accountabilityMode === 'enforced') {
      // Enforced mode: an agent whose risky action a person refused loses its passport.
      const revoked = await this.revocations.revoke({
        tenantId: operator.tenantId,
        missionId: intent.missionId,
        reason: `intent ${intentId} (${intent.namedIntent}) rejected${note ? `: ${note}` : ''}`,
        scope: 'passport',
        actor: operator.actor,
        correlationId: context.correlationId,
        causationId: rejected.id,
      });
      position = Math.max(position, revoked.position);
    }
    return intentView(intent, position);
  }
}
