import { serviceFor } from './routes';

describe('the front door routes each path to its service', () => {
  it.each([
    ['POST', '/v1/tenants', 'passport'],
    ['POST', '/v1/keys/key_1/revoke', 'passport'],
    ['POST', '/v1/tenants/ten_1/disable', 'passport'],
    ['PUT', '/v1/limits', 'passport'],
    ['PUT', '/v1/settings', 'passport'],
    ['POST', '/v1/agents/enroll', 'passport'],
    ['POST', '/v1/passports/introspect', 'passport'],
    ['GET', '/v1/agents/agt_1', 'passport'],
    ['POST', '/v1/passports/verify', 'passport'],
    ['GET', '/v1/missions', 'passport'],
    ['GET', '/v1/intents/stream', 'intent'],
    ['GET', '/.well-known/jwks.json', 'passport'],
    ['POST', '/v1/revocations/all', 'passport'],
    ['GET', '/v1/revocations/stream', 'audit'],
    ['GET', '/v1/revocations/stream/', 'audit'],
    ['POST', '/v1/intents/int_1/approve', 'intent'],
    ['PUT', '/v1/policies/intents', 'intent'],
    ['POST', '/v1/policies/intents/simulate', 'intent'],
    ['GET', '/v1/security-events/stream', 'detector'],
    ['PUT', '/v1/detectors/settings', 'detector'],
    ['POST', '/v1/admin/replay', 'detector'],
    ['POST', '/v1/admin/signing-keys/rotate', 'passport'],
    ['GET', '/v1/admin/signing-keys', 'passport'],
    ['GET', '/v1/audit/export', 'audit'],
    ['POST', '/v1/proxy', 'passport'],
    ['PUT', '/v1/proxy/settings', 'passport'],
    ['GET', '/v1/services/slack', 'passport'],
  ])('%s %s → %s', (method, path, service) => expect(serviceFor(method, path)).toBe(service));

  it('given a path no service owns, or one that only shares a prefix, then nobody', () => {
    expect(serviceFor('GET', '/v1/agentsX')).toBeNull();
    expect(serviceFor('POST', '/v1/proxyX')).toBeNull();
    expect(serviceFor('GET', '/v2/agents')).toBeNull();
    expect(serviceFor('POST', '/v1/admin/rotate')).toBeNull();
    expect(serviceFor('GET', '/')).toBeNull();
  });
});
