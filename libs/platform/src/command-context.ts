import { randomUUID } from 'crypto';
import { Actor, Clock, DomainEvent, newEventId, NewEvent, upcasters } from '@mandate/core';

/** Who, when and why: read once per command, so deciders never touch a clock or a request. */
export interface CommandContext {
  tenantId: string;
  actor: Actor;
  now: string;
  correlationId: string;
  causationId: string | null;
}

/**
 * The one way a command context is built. A request starts a new correlation; a command caused by an earlier event
 * (a rejection that revokes, a finding that revokes) passes that event's ids on, so the audit can follow the chain.
 */
export function commandContext(
  by: { actor: Actor },
  tenantId: string,
  clock: Clock,
  /** `at`: when the fact happened, if not now (a finding happened when the event that raised it did). */
  cause: { correlationId?: string; causationId?: string | null; at?: string } = {},
): CommandContext {
  return {
    tenantId,
    actor: by.actor,
    now: cause.at ?? clock.now().toISOString(),
    correlationId: cause.correlationId ?? randomUUID(),
    causationId: cause.causationId ?? null,
  };
}

/** A decided event with an id of its own: a finding's id is derived from what raised it, so a replay derives it too. */
export type IdentifiedEvent = DomainEvent & { id?: string };

/** The one event envelope: what a decided fact becomes when it is stored. */
export function envelope(event: IdentifiedEvent, context: CommandContext): NewEvent {
  return {
    id: event.id ?? newEventId(),
    type: event.type,
    data: event.data,
    schemaVersion: upcasters.currentVersion(event.type),
    tenantId: context.tenantId,
    occurredAt: context.now,
    actor: context.actor,
    causationId: context.causationId,
    correlationId: context.correlationId,
  };
}
