import { randomUUID } from 'crypto';
import { Clock } from '@mandate/core';
import { CommandContext, Principal } from '@mandate/platform';

export { operatorOf } from '@mandate/platform';

/** Who, when and which request: read once per command, so the decider never touches a clock. */
export function contextOf(principal: Principal, tenantId: string, clock: Clock): CommandContext {
  return { tenantId, actor: principal.actor, now: clock.now().toISOString(), correlationId: randomUUID() };
}
