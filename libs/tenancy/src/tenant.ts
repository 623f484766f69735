import { Decider, DomainError, DomainEvent, notFound } from '@mandate/core';

export const ROLES = ['admin', 'operator', 'approver', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** What a tenant admin may set below the instance's maxima; an absent one takes the instance default. */
export interface TenantLimits {
  operatorKeyRequestsPerMinute?: number;
  passportRequestsPerMinute?: number;
  streamsPerKey?: number;
  streamsPerTenant?: number;
}
export const LIMIT_NAMES = ['operatorKeyRequestsPerMinute', 'passportRequestsPerMinute', 'streamsPerKey', 'streamsPerTenant'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

export type TenantEvent =
  | DomainEvent<'TenantCreated', { tenantId: string; name: string }>
  /** No verifier of the key: it is kept server-side (schemaVersion 1 carried one, dropped on read; see @mandate/core). */
  | DomainEvent<'OperatorKeyCreated', { keyId: string; name: string; role: Role }>
  | DomainEvent<'OperatorKeyRevoked', { keyId: string; reason: string }>
  | DomainEvent<'TenantDisabled', { tenantId: string; reason: string }>
  | DomainEvent<'TenantEnabled', { tenantId: string }>
  | DomainEvent<'TenantLimitsChanged', { limits: TenantLimits }>
  /** With it on, every passport must be bound to an agent key (DPoP): bearer passports are refused, even live ones. */
  | DomainEvent<'BoundPassportsRequired', { required: boolean }>;

export interface OperatorKey {
  keyId: string;
  name: string;
  role: Role;
  revoked: boolean;
  /** Where its OperatorKeyCreated is stored, when read from the store: a key of release 0.1 finds its legacy hash there. */
  position?: number;
}

export type TenantState =
  | { status: 'none' }
  | { status: 'active'; tenantId: string; name: string; keys: Record<string, OperatorKey>; disabled: boolean; limits: TenantLimits; boundPassportsRequired: boolean };

export type TenantCommand =
  | { type: 'CreateTenant'; tenantId: string; name: string; firstKey: { keyId: string; name: string } }
  | { type: 'CreateOperatorKey'; keyId: string; name: string; role: Role }
  | { type: 'RevokeOperatorKey'; keyId: string; reason: string }
  | { type: 'DisableTenant'; reason: string }
  | { type: 'EnableTenant' }
  /** `maxima` are the instance's ceilings (settings): data of the command, so the decider stays pure. */
  | { type: 'ChangeTenantLimits'; limits: TenantLimits; maxima: Required<TenantLimits> }
  | { type: 'RequireBoundPassports'; required: boolean };

/** Key ids come from requests: look them up as own entries only, never as `constructor` or `toString`. */
export function keyOf(state: TenantState, keyId: string): OperatorKey | undefined {
  return state.status === 'active' && Object.hasOwn(state.keys, keyId) ? state.keys[keyId] : undefined;
}

export const tenantDecider: Decider<TenantCommand, TenantEvent, TenantState> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'TenantCreated':
        return { status: 'active', tenantId: event.data.tenantId, name: event.data.name, keys: {}, disabled: false, limits: {}, boundPassportsRequired: false };
      case 'OperatorKeyCreated':
        if (state.status !== 'active') return state;
        const { keyId, name, role } = event.data;
        const position = (event as { position?: number }).position;
        return { ...state, keys: { ...state.keys, [keyId]: { keyId, name, role, revoked: false, ...(position === undefined ? {} : { position }) } } };
      case 'OperatorKeyRevoked': {
        const key = keyOf(state, event.data.keyId);
        if (state.status !== 'active' || !key) return state;
        return { ...state, keys: { ...state.keys, [event.data.keyId]: { ...key, revoked: true } } };
      }
      case 'TenantDisabled':
        return state.status === 'active' ? { ...state, disabled: true } : state;
      case 'TenantEnabled':
        return state.status === 'active' ? { ...state, disabled: false } : state;
      case 'TenantLimitsChanged':
        return state.status === 'active' ? { ...state, limits: event.data.limits } : state;
      case 'BoundPassportsRequired':
        return state.status === 'active' ? { ...state, boundPassportsRequired: event.data.required } : state;
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'CreateTenant':
        if (state.status !== 'none') throw new DomainError('TENANT_EXISTS', `tenant ${command.tenantId} already exists`);
        return [
          { type: 'TenantCreated', data: { tenantId: command.tenantId, name: command.name } },
          { type: 'OperatorKeyCreated', data: { ...command.firstKey, role: 'admin' } },
        ];
      case 'CreateOperatorKey':
        if (state.status !== 'active') throw notFound('tenant', '');
        return [{ type: 'OperatorKeyCreated', data: { keyId: command.keyId, name: command.name, role: command.role } }];
      case 'RevokeOperatorKey': {
        const key = keyOf(state, command.keyId);
        if (state.status !== 'active' || !key) throw notFound('operator key', command.keyId);
        if (key.revoked) return [];
        const admins = Object.values(state.keys).filter((k) => k.role === 'admin' && !k.revoked);
        if (key.role === 'admin' && admins.length === 1) {
          throw new DomainError('LAST_ADMIN_KEY', 'the last admin key of a tenant cannot be revoked');
        }
        return [{ type: 'OperatorKeyRevoked', data: { keyId: command.keyId, reason: command.reason } }];
      }
      case 'DisableTenant':
        if (state.status !== 'active') throw notFound('tenant', '');
        return state.disabled ? [] : [{ type: 'TenantDisabled', data: { tenantId: state.tenantId, reason: command.reason } }];
      case 'EnableTenant':
        if (state.status !== 'active') throw notFound('tenant', '');
        return state.disabled ? [{ type: 'TenantEnabled', data: { tenantId: state.tenantId } }] : [];
      case 'ChangeTenantLimits': {
        if (state.status !== 'active') throw notFound('tenant', '');
        const above = LIMIT_NAMES.filter((name) => (command.limits[name] ?? 0) > command.maxima[name]);
        if (above.length > 0) {
          const detail = above.map((name) => `${name} may be at most ${command.maxima[name]}`).join('; ');
          throw new DomainError('LIMIT_ABOVE_MAXIMUM', `above this instance's maxima: ${detail}`, { maxima: command.maxima });
        }
        const limits = Object.fromEntries(LIMIT_NAMES.filter((name) => command.limits[name] !== undefined).map((name) => [name, command.limits[name]]));
        if (LIMIT_NAMES.every((name) => limits[name] === state.limits[name])) return [];
        return [{ type: 'TenantLimitsChanged', data: { limits } }];
      }
      case 'RequireBoundPassports':
        if (state.status !== 'active') throw notFound('tenant', '');
        return state.boundPassportsRequired === command.required ? [] : [{ type: 'BoundPassportsRequired', data: { required: command.required } }];
    }
  },
};

export const tenantStream = (tenantId: string) => `tenant-${tenantId}`;
