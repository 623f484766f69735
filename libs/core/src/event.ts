/** Who caused an event. Part of the public event format: keep the kinds stable. */
export type ActorKind = 'admin' | 'operator' | 'agent' | 'passport' | 'detector' | 'system';
export interface Actor {
  kind: ActorKind;
  id: string;
}

/** What a decider returns: a fact without its place in the store yet. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

/** What the shell hands to the store: a domain event plus who, when and why. */
export interface NewEvent<T extends string = string, D = unknown> extends DomainEvent<T, D> {
  id: string;
  schemaVersion: number;
  tenantId: string;
  occurredAt: string;
  actor: Actor;
  causationId: string | null;
  correlationId: string;
}

/** A committed event: the one envelope every adapter stores and every consumer reads. */
export interface RecordedEvent<T extends string = string, D = unknown> extends NewEvent<T, D> {
  streamId: string;
  streamVersion: number;
  position: number;
}

export const CURRENT_SCHEMA_VERSION = 1;
