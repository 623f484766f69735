import { call, newTenant, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';
import { SseClient } from './support/sse';

describe('the revocation stream resumes with Last-Event-ID, across a disconnect and a server restart', () => {
  let server: MandateServer;
  let acme: Tenant;

  beforeAll(async () => {
    server = await MandateProcess.start();
    acme = await newTenant(server);
  });
  afterAll(() => server?.stop());

  const revoke = async (jti: string, reason: string) => {
    const res = await call(server, 'POST', `/v1/passports/${jti}/revoke`, { token: acme.adminKey, body: { reason } });
    expect(res.status).toBe(200);
  };

  it('given a subscriber that dropped and a restart in between, when it reconnects with its last id, then it gets exactly what it missed, in order', async () => {
    const agentId = await acme.agent('enforced');
    const passports: Array<{ jti: string }> = [];
    for (let i = 0; i < 5; i++) passports.push(await acme.passport(agentId));

    // Connected: sees the first two.
    const first = await SseClient.open(server, acme.adminKey);
    await revoke(passports[0].jti, 'r0');
    await revoke(passports[1].jti, 'r1');
    const seen = await first.next((e) => e.data.jti === passports[1].jti);

    // The server stops with the subscriber still connected: it ends the stream instead of hanging on it.
    await server.restart();
    await first.closed;
    expect(first.events.map((e) => e.data.reason)).toEqual(['r0', 'r1']);

    // Disconnected: revocations happen while nobody listens, before and after another restart.
    await revoke(passports[2].jti, 'r2');
    await server.restart();
    await revoke(passports[3].jti, 'r3');

    const resumed = await SseClient.open(server, acme.adminKey, seen.id);
    await resumed.next((e) => e.data.jti === passports[3].jti);
    await revoke(passports[4].jti, 'r4');
    await resumed.next((e) => e.data.jti === passports[4].jti);
    resumed.close();
    expect(resumed.events.map((e) => e.data.reason)).toEqual(['r2', 'r3', 'r4']);
    const ids = resumed.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(Number(seen.id));
  });

  it('given no Last-Event-ID, then a new subscriber first gets every revocation whose token could still be accepted', async () => {
    const tenant = await newTenant(server, 'fresh');
    const agentId = await tenant.agent('logged');
    const a = await tenant.passport(agentId);
    const b = await tenant.passport(agentId);
    await call(server, 'POST', `/v1/agents/${agentId}/revoke`, { token: tenant.adminKey, body: { reason: 'rotate' } });
    const client = await SseClient.open(server, tenant.adminKey);
    await client.next((e) => e.data.jti === a.jti);
    await client.next((e) => e.data.jti === b.jti);
    client.close();
    expect(client.events).toHaveLength(2);
    expect(client.events.every((e) => e.data.scope === 'agent')).toBe(true);
  });

  it('refuses a stream without a key, with a passport, or with a malformed Last-Event-ID', async () => {
    expect((await SseClient.open(server, 'not-a-key')).status).toBe(401);
    const passport = await acme.passport(await acme.agent('logged'));
    expect((await SseClient.open(server, passport.token)).status).toBe(403);
    expect((await SseClient.open(server, acme.adminKey, 'abc')).status).toBe(422);
  });
});
