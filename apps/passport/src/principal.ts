import { randomUUID } from 'crypto';
import { Clock, DomainError } from '@mandate/core';
import { CommandContext, Principal } from '@mandate/platform';

type Of<K extends Principal['kind']> = Extract<Principal, { kind: K }>;

/** Routes open to operators are guarded already; this narrows the type and refuses anything that slipped through. */
export function operatorOf(principal: Principal): Of<'operator'> {
  if (principal.kind !== 'operator') throw new DomainError('FORBIDDEN', 'this route needs a tenant operator key', 403);
  return principal;
}

/** Who, when and which request: read once per command, so the decider never touches a clock. */
export function contextOf(principal: Principal, tenantId: string, clock: Clock): CommandContext {
  return { tenantId, actor: principal.actor, now: clock.now().toISOString(), correlationId: randomUUID() };
}
