import { specFor } from '@mandate/core';
import { TenantEvent, tenantDecider } from './tenant';

const spec = specFor(tenantDecider);
const created: TenantEvent[] = [
  { type: 'TenantCreated', data: { tenantId: 'ten_1', name: 'acme' } },
  { type: 'OperatorKeyCreated', data: { keyId: 'key_admin', name: 'first admin key', role: 'admin' } },
];

describe('tenants and operator keys', () => {
  it('given nothing, when a tenant is created, then it starts with one admin key', () =>
    spec([]).when({ type: 'CreateTenant', tenantId: 'ten_1', name: 'acme', firstKey: { keyId: 'key_admin', name: 'first admin key' } }).then(created));

  it('given a tenant, when it is created again, then TENANT_EXISTS', () =>
    spec(created).when({ type: 'CreateTenant', tenantId: 'ten_1', name: 'again', firstKey: { keyId: 'k', name: 'k' } }).thenThrows('TENANT_EXISTS'));

  it('given a tenant, when an auditor key is created, then its event carries no verifier of the key', () =>
    spec(created).when({ type: 'CreateOperatorKey', keyId: 'key_aud', name: 'compliance', role: 'auditor' }).then([
      { type: 'OperatorKeyCreated', data: { keyId: 'key_aud', name: 'compliance', role: 'auditor' } },
    ]));

  it('given no tenant, when a key is created, then NOT_FOUND', () =>
    spec([]).when({ type: 'CreateOperatorKey', keyId: 'k', name: 'k', role: 'operator' }).thenThrows('NOT_FOUND'));

  it('given a second admin key, when the first is revoked, then it is revoked', () =>
    spec([...created, { type: 'OperatorKeyCreated', data: { keyId: 'key_2', name: 'second', role: 'admin' } }])
      .when({ type: 'RevokeOperatorKey', keyId: 'key_admin', reason: 'rotated' })
      .then([{ type: 'OperatorKeyRevoked', data: { keyId: 'key_admin', reason: 'rotated' } }]));

  it('given one admin key, when it is revoked, then LAST_ADMIN_KEY (a tenant never locks itself out)', () =>
    spec(created).when({ type: 'RevokeOperatorKey', keyId: 'key_admin', reason: 'oops' }).thenThrows('LAST_ADMIN_KEY'));

  it('given a revoked key, when it is revoked again, then nothing new happens', () =>
    spec([...created, { type: 'OperatorKeyCreated', data: { keyId: 'key_op', name: 'ci', role: 'operator' } }, { type: 'OperatorKeyRevoked', data: { keyId: 'key_op', reason: 'x' } }])
      .when({ type: 'RevokeOperatorKey', keyId: 'key_op', reason: 'again' })
      .then([]));

  it('given a tenant, when an unknown key is revoked, then NOT_FOUND', () =>
    spec(created).when({ type: 'RevokeOperatorKey', keyId: 'key_nope', reason: 'x' }).thenThrows('NOT_FOUND'));

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('given a tenant, when key id "%s" is revoked, then NOT_FOUND: object members are not keys', (keyId) =>
    spec(created).when({ type: 'RevokeOperatorKey', keyId, reason: 'x' }).thenThrows('NOT_FOUND'));

  const maxima = { operatorKeyRequestsPerMinute: 6000, passportRequestsPerMinute: 60000, streamsPerKey: 10, streamsPerTenant: 100 };

  it('given an active tenant, when it is disabled, then TenantDisabled; disabled again, nothing new', () => {
    spec(created).when({ type: 'DisableTenant', reason: 'unpaid' }).then([{ type: 'TenantDisabled', data: { tenantId: 'ten_1', reason: 'unpaid' } }]);
    spec([...created, { type: 'TenantDisabled', data: { tenantId: 'ten_1', reason: 'unpaid' } }]).when({ type: 'DisableTenant', reason: 'again' }).then([]);
  });

  it('given a disabled tenant, when it is enabled, then TenantEnabled; an enabled one, nothing new', () => {
    spec([...created, { type: 'TenantDisabled', data: { tenantId: 'ten_1', reason: 'x' } }]).when({ type: 'EnableTenant' }).then([{ type: 'TenantEnabled', data: { tenantId: 'ten_1' } }]);
    spec(created).when({ type: 'EnableTenant' }).then([]);
  });

  it('given no tenant, when it is disabled or its limits change, then NOT_FOUND', () => {
    spec([]).when({ type: 'DisableTenant', reason: 'x' }).thenThrows('NOT_FOUND');
    spec([]).when({ type: 'ChangeTenantLimits', limits: { streamsPerKey: 2 }, maxima }).thenThrows('NOT_FOUND');
  });

  it('given a tenant, when limits within the maxima are set, then only the ones given are recorded', () =>
    spec(created).when({ type: 'ChangeTenantLimits', limits: { streamsPerKey: 2, passportRequestsPerMinute: 120 }, maxima }).then([
      { type: 'TenantLimitsChanged', data: { limits: { passportRequestsPerMinute: 120, streamsPerKey: 2 } } },
    ]));

  it('given a tenant, when a limit above the instance maximum is set, then LIMIT_ABOVE_MAXIMUM', () =>
    spec(created).when({ type: 'ChangeTenantLimits', limits: { streamsPerTenant: 101 }, maxima }).thenThrows('LIMIT_ABOVE_MAXIMUM'));

  it('given limits already set, when the same are set again, then nothing new', () =>
    spec([...created, { type: 'TenantLimitsChanged', data: { limits: { streamsPerKey: 2 } } }]).when({ type: 'ChangeTenantLimits', limits: { streamsPerKey: 2 }, maxima }).then([]));
});
