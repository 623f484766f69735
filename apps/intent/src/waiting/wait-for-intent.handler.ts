import { Inject } from '@nestjs/common';
import { CommandBus, IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '@mandate/core';
import { IntentFacts } from '@mandate/intents';
import { CLOCK, Principal } from '@mandate/platform';
import { ExpireIntent } from '../expiring/expire-intent.handler';
import { IntentAccess, IntentChanges } from '../intent-access';
import { intentView } from '../intent-view';

export class WaitForIntent {
  constructor(readonly principal: Principal, readonly intentId: string, readonly waitSeconds: number) {}
}

/** Long-poll: returns at once when the intent is final, at its deadline, or after `waitSeconds`. */
@QueryHandler(WaitForIntent)
export class WaitForIntentHandler implements IQueryHandler<WaitForIntent> {
  constructor(
    private readonly access: IntentAccess,
    private readonly changes: IntentChanges,
    private readonly commands: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, intentId, waitSeconds }: WaitForIntent) {
    let intent = await this.expireIfDue(await this.access.visible(principal, intentId));
    if (intent.status !== 'pending' || waitSeconds === 0) return intentView(intent);
    const deadline = Math.min(Date.now() + waitSeconds * 1000, Date.parse(intent.expiresAt) + 5);
    while (intent.status === 'pending' && Date.now() < deadline) {
      const change = this.changes.watch(intentId, deadline - Date.now());
      intent = await this.access.visible(principal, intentId);
      if (intent.status === 'pending') await change.happened;
      change.cancel();
      intent = await this.expireIfDue(await this.access.visible(principal, intentId));
    }
    return intentView(intent);
  }

  private async expireIfDue(intent: IntentFacts): Promise<IntentFacts> {
    if (intent.status !== 'pending' || this.clock.now().toISOString() < intent.expiresAt) return intent;
    return this.commands.execute(new ExpireIntent(intent.intentId, (await this.access.tenantOf(intent)) ?? ''));
  }
}
