import { DomainEvent, RecordedEvent, Upcaster } from '@mandate/core';
// Types only: the detectors read this union too, so a value import would have the two libs load each other.
import type { AgentEvent } from '@mandate/agents';
import type { ServiceCatalogEvent } from '@mandate/credentials';
import type { DetectorEvent } from '@mandate/detectors';
import type { IntentEvent, PolicyEvent } from '@mandate/intents';
import type { MissionEvent } from '@mandate/missions';
import type { ProxySettingsEvent } from '@mandate/proxy';
import type { TenantEvent } from '@mandate/tenancy';

/** Every event the store holds. Each module owns its part; consumers switch on `type` and get typed `data`. */
export type MandateEvent = TenantEvent | AgentEvent | MissionEvent | IntentEvent | PolicyEvent | DetectorEvent | ServiceCatalogEvent | ProxySettingsEvent;
export type MandateEventType = MandateEvent['type'];
export type MandateEventData<T extends MandateEventType> = Extract<MandateEvent, { type: T }>['data'];

type Recorded<E> = E extends DomainEvent<infer T, infer D> ? RecordedEvent<T, D> : never;
/** The committed envelope of each member of the union, so that narrowing `type` narrows `data`. */
export type RecordedMandateEvent = Recorded<MandateEvent>;
export type RecordedEventOf<T extends MandateEventType> = Extract<RecordedMandateEvent, { type: T }>;

// A type added to the union and missing here, or listed here and in no module, does not compile.
const MANDATE_EVENT_TYPES: { readonly [T in MandateEventType]: true } = {
  TenantCreated: true,
  OperatorKeyCreated: true,
  OperatorKeyRevoked: true,
  TenantDisabled: true,
  TenantEnabled: true,
  TenantLimitsChanged: true,
  BoundPassportsRequired: true,
  AgentRegistered: true,
  AccountabilityModeChanged: true,
  AgentSuspended: true,
  AgentReinstated: true,
  AgentCeilingSet: true,
  EnrollmentTokenCreated: true,
  AgentKeyEnrolled: true,
  AgentKeyRevoked: true,
  AgentMissionRefused: true,
  PassportIssued: true,
  CheckpointRecorded: true,
  ToolCallLogged: true,
  ToolCallsLogged: true,
  MissionCheckedOut: true,
  PassportRevoked: true,
  PassportUseRefused: true,
  PassportUseRefusalsCounted: true,
  ProxiedCallStarted: true,
  ProxiedCallEnded: true,
  ProxiedCallRefused: true,
  IntentSubmitted: true,
  IntentRefused: true,
  IntentAutoApproved: true,
  IntentApprovalGiven: true,
  IntentApproved: true,
  IntentRejected: true,
  IntentExpired: true,
  ApprovalConsumed: true,
  ApprovalRefused: true,
  IntentPolicyChanged: true,
  DetectorSettingsChanged: true,
  SecurityEventRaised: true,
  SecurityEventResolved: true,
  ClockTicked: true,
  ServiceRegistered: true,
  ServiceChanged: true,
  ServiceSecretAdded: true,
  ServiceSecretRemoved: true,
  ServiceRemoved: true,
  ProxySettingsChanged: true,
};

/**
 * Whether a stored event is one of ours, by its type. Its data is trusted to match: the deciders wrote it and
 * upcasters bring older shapes to the current one. A body that was unreadable, or a type from the future, is not.
 */
export const isMandateEvent = (event: RecordedEvent): event is RecordedMandateEvent => Object.hasOwn(MANDATE_EVENT_TYPES, event.type);

/** For functions that take any stored event but mean one type: a caller that passes another has a bug. */
export function assertEventOf<T extends MandateEventType>(event: RecordedEvent, type: T): asserts event is RecordedEventOf<T> {
  if (event.type !== type) throw new TypeError(`expected a ${type} event, got ${event.type}`);
}

/** An upcaster whose result is checked against the current shape of its event type. */
export const upcasterTo = <T extends MandateEventType, From>(
  type: T,
  fromVersion: number,
  upcast: (data: From, stored: RecordedEvent) => MandateEventData<T>,
): Upcaster<From, MandateEventData<T>> => ({ type, fromVersion, upcast });
