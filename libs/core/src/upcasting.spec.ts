import { RecordedEvent } from './event';
import { Upcaster, UpcasterRegistry } from './upcasting';

const stored = (schemaVersion: number, data: unknown, type = 'AgentRegistered'): RecordedEvent => ({
  id: 'e1', type, schemaVersion, streamId: 'agent-agt_1', streamVersion: 1, position: 1, tenantId: 'ten_1',
  occurredAt: '2026-01-01T10:00:00.000Z', actor: { kind: 'admin', id: 'key_1' }, causationId: null, correlationId: 'c', data,
});

const renameMode: Upcaster<{ mode: string }, { accountabilityMode: string }> = {
  type: 'AgentRegistered',
  fromVersion: 1,
  upcast: ({ mode, ...rest }) => ({ ...rest, accountabilityMode: mode }),
};
const addRegisteredAt: Upcaster<object, object> = {
  type: 'AgentRegistered',
  fromVersion: 2,
  upcast: (data, event) => ({ ...data, registeredAt: event.occurredAt }),
};

describe('upcasting stored events', () => {
  it('given upcasters from versions 1 and 2, when a version 1 event is read, then both apply in turn and it reads as version 3', () => {
    const registry = new UpcasterRegistry();
    registry.register(renameMode);
    registry.register(addRegisteredAt);
    expect(registry.upcast(stored(1, { agentId: 'agt_1', mode: 'logged' }))).toMatchObject({
      schemaVersion: 3,
      data: { agentId: 'agt_1', accountabilityMode: 'logged', registeredAt: '2026-01-01T10:00:00.000Z' },
    });
  });

  it('given an event already at the current version, or of a type with no upcaster, then it is returned as it is', () => {
    const registry = new UpcasterRegistry();
    registry.register(renameMode);
    const current = stored(2, { agentId: 'agt_1', accountabilityMode: 'logged' });
    const other = stored(1, { mode: 'kept' }, 'AgentSuspended');
    expect(registry.upcast(current)).toBe(current);
    expect(registry.upcast(other)).toBe(other);
  });

  it('given an event read through an upcaster, then the stored object is left as it was', () => {
    const registry = new UpcasterRegistry();
    registry.register(renameMode);
    const old = stored(1, { mode: 'logged' });
    registry.upcast(old);
    expect(old).toEqual(stored(1, { mode: 'logged' }));
  });

  it('given an upcaster for a type and version, then a second one for the same is refused, and removing it frees the place', () => {
    const registry = new UpcasterRegistry();
    const remove = registry.register(renameMode);
    expect(() => registry.register({ ...renameMode })).toThrow(/already registered/);
    remove();
    registry.register({ ...renameMode });
    expect(registry.upcast(stored(1, { mode: 'x' })).schemaVersion).toBe(2);
  });
});
