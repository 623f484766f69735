import { RecordedEvent } from './event';
import { KEY_VERIFIER_FIELDS, legacyKeyHashOf, redactKeyVerifiers } from './key-verifier-fields';
import { upcasters } from './upcasting';

const LEGACY_HASH = 'a'.repeat(64);

const stored = (type: string, schemaVersion: number, data: Record<string, unknown>): RecordedEvent => ({
  id: 'e1', type, schemaVersion, streamId: 'tenant-ten_1', streamVersion: 2, position: 2, tenantId: 'ten_1',
  occurredAt: '2026-01-01T10:00:00.000Z', actor: { kind: 'admin', id: 'instance-admin' }, causationId: null, correlationId: 'c', data,
});

describe('operator key verifiers in stored events', () => {
  it('given a release 0.1 OperatorKeyCreated holding sha256(secret), when any reader loads it, then it reads as schemaVersion 2 without the hash', () => {
    const read = upcasters.upcast(stored('OperatorKeyCreated', 1, { keyId: 'key_1', name: 'first', role: 'admin', keyHash: LEGACY_HASH }));
    expect(read).toMatchObject({ schemaVersion: 2, data: { keyId: 'key_1', name: 'first', role: 'admin' } });
    expect(JSON.stringify(read)).not.toContain(LEGACY_HASH);
  });

  it('given the upcaster, then a new OperatorKeyCreated is written at schemaVersion 2 and other types stay at 1', () => {
    expect(upcasters.currentVersion('OperatorKeyCreated')).toBe(2);
    expect(upcasters.currentVersion('ToolCallLogged')).toBe(1);
  });

  it('given a stored event with a verifier, when redacted for export, then the field is gone and its path is named; any other event is returned as it is', () => {
    const legacy = stored('OperatorKeyCreated', 1, { keyId: 'key_1', name: 'first', role: 'admin', keyHash: LEGACY_HASH });
    const { event, redacted } = redactKeyVerifiers(legacy);
    expect(redacted).toEqual(['data.keyHash']);
    expect(event.data).toEqual({ keyId: 'key_1', name: 'first', role: 'admin' });
    expect(legacy.data).toHaveProperty('keyHash', LEGACY_HASH);
    const current = stored('OperatorKeyCreated', 2, { keyId: 'key_2', name: 'ci', role: 'operator' });
    expect(redactKeyVerifiers(current)).toEqual({ event: current, redacted: [] });
    const other = stored('ToolCallLogged', 1, { keyHash: 'not a verifier field of this type' });
    expect(redactKeyVerifiers(other).event).toBe(other);
  });

  it('given stored events, then only a release 0.1 key event yields a legacy hash', () => {
    expect(legacyKeyHashOf(stored('OperatorKeyCreated', 1, { keyId: 'k', keyHash: LEGACY_HASH }))).toBe(LEGACY_HASH);
    expect(legacyKeyHashOf(stored('OperatorKeyCreated', 2, { keyId: 'k' }))).toBeNull();
    expect(legacyKeyHashOf(stored('OperatorKeyCreated', 1, { keyId: 'k', keyHash: 'short' }))).toBeNull();
    expect(legacyKeyHashOf(stored('AgentRegistered', 1, { keyHash: LEGACY_HASH }))).toBeNull();
    expect(Object.keys(KEY_VERIFIER_FIELDS)).toEqual(['OperatorKeyCreated']);
  });
});
