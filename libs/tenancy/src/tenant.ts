import { conflict, Decider, DomainError, DomainEvent, notFound } from '@mandate/core';

export const ROLES = ['admin', 'operator', 'approver', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type TenantEvent =
  | DomainEvent<'TenantCreated', { tenantId: string; name: string }>
  | DomainEvent<'OperatorKeyCreated', { keyId: string; name: string; role: Role; keyHash: string }>
  | DomainEvent<'OperatorKeyRevoked', { keyId: string; reason: string }>;

export interface OperatorKey {
  keyId: string;
  name: string;
  role: Role;
  keyHash: string;
  revoked: boolean;
}

export type TenantState =
  | { status: 'none' }
  | { status: 'active'; tenantId: string; name: string; keys: Record<string, OperatorKey> };

export type TenantCommand =
  | { type: 'CreateTenant'; tenantId: string; name: string; firstKey: { keyId: string; name: string; keyHash: string } }
  | { type: 'CreateOperatorKey'; keyId: string; name: string; role: Role; keyHash: string }
  | { type: 'RevokeOperatorKey'; keyId: string; reason: string };

export const tenantDecider: Decider<TenantCommand, TenantEvent, TenantState> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'TenantCreated':
        return { status: 'active', tenantId: event.data.tenantId, name: event.data.name, keys: {} };
      case 'OperatorKeyCreated':
        if (state.status !== 'active') return state;
        return { ...state, keys: { ...state.keys, [event.data.keyId]: { ...event.data, revoked: false } } };
      case 'OperatorKeyRevoked': {
        if (state.status !== 'active' || !state.keys[event.data.keyId]) return state;
        return { ...state, keys: { ...state.keys, [event.data.keyId]: { ...state.keys[event.data.keyId], revoked: true } } };
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'CreateTenant':
        if (state.status !== 'none') throw conflict('TENANT_EXISTS', `tenant ${command.tenantId} already exists`);
        return [
          { type: 'TenantCreated', data: { tenantId: command.tenantId, name: command.name } },
          { type: 'OperatorKeyCreated', data: { ...command.firstKey, role: 'admin' } },
        ];
      case 'CreateOperatorKey':
        if (state.status !== 'active') throw notFound('tenant', '');
        return [{ type: 'OperatorKeyCreated', data: { keyId: command.keyId, name: command.name, role: command.role, keyHash: command.keyHash } }];
      case 'RevokeOperatorKey': {
        if (state.status !== 'active' || !state.keys[command.keyId]) throw notFound('operator key', command.keyId);
        if (state.keys[command.keyId].revoked) return [];
        const admins = Object.values(state.keys).filter((k) => k.role === 'admin' && !k.revoked);
        if (state.keys[command.keyId].role === 'admin' && admins.length === 1) {
          throw new DomainError('LAST_ADMIN_KEY', 'the last admin key of a tenant cannot be revoked', 409);
        }
        return [{ type: 'OperatorKeyRevoked', data: { keyId: command.keyId, reason: command.reason } }];
      }
    }
  },
};

export const tenantStream = (tenantId: string) => `tenant-${tenantId}`;
