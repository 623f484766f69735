import { specFor } from '@mandate/core';
import { AgentEvent, agentDecider, ceilingExceeded, RegisteredAgent } from './agent';

const spec = specFor(agentDecider);
const at = '2026-01-01T00:00:00.000Z';
const registered: AgentEvent = {
  type: 'AgentRegistered',
  data: { agentId: 'agt_1', tenantId: 'ten_1', name: 'triage', description: '', accountabilityMode: 'enforced', registeredAt: at },
};
const enrollment: AgentEvent = { type: 'EnrollmentTokenCreated', data: { agentId: 'agt_1', enrollmentId: 'enr_1', expiresAt: '2026-01-01T00:10:00.000Z' } };
const jwk = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: 'x'.repeat(43) };
const enrolled: AgentEvent = { type: 'AgentKeyEnrolled', data: { agentId: 'agt_1', enrollmentId: 'enr_1', keyId: 'k1', jwk, enrolledAt: '2026-01-01T00:01:00.000Z' } };
const enroll = (now: string, keyId = 'k1', enrollmentId = 'enr_1') => ({ type: 'EnrollKey' as const, enrollmentId, keyId, jwk, now });

describe('agent keys and enrollment', () => {
  it('given an enrollment token, when a key is enrolled with it before it expires, then the key is the agent’s', () =>
    spec([registered, enrollment]).when(enroll('2026-01-01T00:01:00.000Z')).then([enrolled]));

  it('given a used token, when it is used again (another key), then ENROLLMENT_TOKEN_USED', () =>
    spec([registered, enrollment, enrolled]).when(enroll('2026-01-01T00:02:00.000Z', 'k2')).thenThrows('ENROLLMENT_TOKEN_USED'));

  it('given a token at its expiry, then ENROLLMENT_TOKEN_EXPIRED', () =>
    spec([registered, enrollment]).when(enroll('2026-01-01T00:10:00.000Z')).thenThrows('ENROLLMENT_TOKEN_EXPIRED'));

  it('given a token id the agent never had, then ENROLLMENT_TOKEN_INVALID', () =>
    spec([registered, enrollment]).when(enroll('2026-01-01T00:01:00.000Z', 'k1', 'enr_other')).thenThrows('ENROLLMENT_TOKEN_INVALID'));

  it('given a suspended agent, then it enrolls no key', () =>
    spec([registered, enrollment, { type: 'AgentSuspended', data: { agentId: 'agt_1', reason: 'x' } }]).when(enroll('2026-01-01T00:01:00.000Z')).thenThrows('AGENT_SUSPENDED'));

  it('given an enrolled key, when it is revoked, then once; again changes nothing; an unknown key is AGENT_KEY_NOT_FOUND', () => {
    const revoked: AgentEvent = { type: 'AgentKeyRevoked', data: { agentId: 'agt_1', keyId: 'k1', reason: 'lost', at } };
    spec([registered, enrollment, enrolled]).when({ type: 'RevokeKey', keyId: 'k1', reason: 'lost', now: at }).then([revoked]);
    spec([registered, enrollment, enrolled, revoked]).when({ type: 'RevokeKey', keyId: 'k1', reason: 'lost', now: at }).then([]);
    spec([registered]).when({ type: 'RevokeKey', keyId: 'k9', reason: 'x', now: at }).thenThrows('AGENT_KEY_NOT_FOUND');
  });
});

describe('the ceiling of what an agent opens itself', () => {
  const ceiling = { allowedServices: ['slack'], maxTtlSeconds: 900, maxConcurrentMissions: 2 };
  const agent = (withCeiling = true) =>
    ({ agentId: 'agt_1', tenantId: 't', name: '', description: '', accountabilityMode: 'enforced', suspended: false, registeredAt: at, ceiling: withCeiling ? ceiling : null, enrollments: {}, keys: [], missionRefusalRecordedAt: null }) as RegisteredAgent;

  it('given a ceiling, then an ask within it exceeds nothing, and each limit passed is named', () => {
    expect(ceilingExceeded(agent(), { services: ['slack'], ttlSeconds: 900, openMissions: 1 })).toEqual([]);
    expect(ceilingExceeded(agent(), { services: ['slack', 'stripe'], ttlSeconds: 901, openMissions: 2 })).toEqual(['services', 'ttl', 'concurrent_missions']);
  });

  it('given no ceiling, then nothing may be opened', () => expect(ceilingExceeded(agent(false), { services: [], ttlSeconds: 60, openMissions: 0 })).toEqual(['no_ceiling']));

  it('given a refusal stored, when another comes within the minute, then nothing is stored; after it, the next is', () => {
    const ask = { type: 'RefuseMission' as const, keyId: 'k1', exceeded: ['ttl' as const], requested: { services: [], ttlSeconds: 5000 } };
    const first: AgentEvent = { type: 'AgentMissionRefused', data: { agentId: 'agt_1', keyId: 'k1', exceeded: ['ttl'], requested: { services: [], ttlSeconds: 5000 }, at } };
    spec([registered]).when({ ...ask, now: at }).then([first]);
    spec([registered, first]).when({ ...ask, now: '2026-01-01T00:00:59.000Z' }).then([]);
    spec([registered, first]).when({ ...ask, now: '2026-01-01T00:01:00.000Z' }).then([{ ...first, data: { ...first.data, at: '2026-01-01T00:01:00.000Z' } }]);
  });
});
