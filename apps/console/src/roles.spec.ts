import { OpenAPIObject } from '@nestjs/swagger';
import { generatedContract } from '../../mandate/src/contract';
import { can, keyParts, OPERATIONS, Role, ROLE_PROBES, roleFromProbes, ROLES } from './roles';

/** The roles the contract opens an operation to (its x-audience), tenant roles only. */
function audience(contract: OpenAPIObject, operation: string): Role[] {
  const [method, path] = operation.split(' ');
  const found = contract.paths[path]?.[method.toLowerCase() as 'get'];
  if (!found) throw new Error(`the contract has no ${operation}`);
  return ((found as unknown as { 'x-audience': string[] })['x-audience']).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
}

describe('the console offers each role what the contract opens to it', () => {
  let contract: OpenAPIObject;
  beforeAll(async () => {
    contract = await generatedContract();
  });

  it.each(Object.entries(OPERATIONS))('given %s, then the roles the console offers it to are the x-audience of its operation', (_what, { operation, roles }) => {
    expect([...roles].sort()).toEqual(audience(contract, operation).sort());
  });

  it.each([...ROLES])('given a %s key, when the probes are asked in order, then the first that answers 200 names that role', (role) => {
    const statuses = ROLE_PROBES.map((probe) => (audience(contract, probe.operation).includes(role) ? 200 : 403));
    expect(roleFromProbes(statuses)).toBe(role);
  });

  it('given no probe answered 200, then there is no role', () => {
    expect(roleFromProbes([403, 403, 403, 403])).toBeNull();
  });

  it('given the roles, then only approvers and admins decide, and approvers follow no stream', () => {
    expect(ROLES.filter((r) => can(r, 'approve'))).toEqual(['admin', 'approver']);
    expect(ROLES.filter((r) => can(r, 'followRevocations'))).toEqual(['admin', 'operator', 'auditor']);
  });
});

describe('an operator key as the console reads it', () => {
  it('given a tenant key, then the tenant and key ids are read from it, never the secret; other strings are no key', () => {
    expect(keyParts('mdt.ten_ab-1.key_Cd_2.s3cr3t-base64url')).toEqual({ tenantId: 'ten_ab-1', keyId: 'key_Cd_2' });
    for (const other of ['mdt_admin.e2e-instance-admin-key-0123456789abcdef', 'mdt.ten_a.key_b.', 'Bearer mdt.a.b.c', 'eyJhbGciOiJFZERTQSJ9.e30.sig']) {
      expect(keyParts(other)).toBeNull();
    }
  });
});
