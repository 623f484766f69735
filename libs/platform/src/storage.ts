import { Actor } from '@mandate/core';
import { EventStore, EventStream, KeyVerifierStore, SecretStore } from '@mandate/event-store';
import { ReadModelDifference, ReadModels } from '@mandate/read-models';

/** A detector's order to end a passport, applied by the passport service through the mission decider (idempotent). */
export interface RevokeCommand {
  tenantId: string;
  missionId: string;
  jti: string;
  reason: string;
  actor: Actor;
  correlationId: string;
  /** The finding that asked for it. */
  causationId: string;
}

/**
 * What a Mandate process runs on: the store (truth), the stream (fan-out), the read models it answers queries from,
 * and how revoke commands travel. Embedded mode has one of each in the process; distributed mode shares the store
 * and the stream with the other services.
 */
export interface MandateStorage {
  readonly store: EventStore;
  readonly stream: EventStream;
  readonly readModels: ReadModels;
  /** Operator key verifiers, beside the store and never in it: every process that authenticates reads the same ones. */
  readonly keyVerifiers: KeyVerifierStore;
  /** The credential proxy's encrypted secrets, beside the store the same way (one table, never in an event). */
  readonly secretStore: SecretStore;
  /** Last position this process knows to be committed (for metrics and logs; the store has the exact head). */
  headPosition(): number;
  /** Rebuilds the read models from the events and lists the tables where they differ from the live ones. */
  compareReadModels(): Promise<ReadModelDifference[]>;
  /** Sends a revoke command to whoever applies them: this process (`apply` runs at once) or the passport service. */
  sendRevokeCommand(command: RevokeCommand, apply: (command: RevokeCommand) => Promise<void>): Promise<void>;
  /** In the passport service: applies the revoke commands other processes send (no-op when they apply their own). */
  consumeRevokeCommands(apply: (command: RevokeCommand) => Promise<void>): void;
  /** Figures of the adapters for /metrics (relay position, where stream events came from, dead letters). */
  gauges?(): Record<string, { help: string; read: () => number }>;
  /** One line for the start-up log: which store and stream. */
  describe(): string;
  close(): Promise<void>;
}

export const MANDATE_STORAGE = Symbol('MANDATE_STORAGE');
