/**
 * A dead passport hammered by whoever holds it: every attempt is refused and stays visible (the first of each kind
 * stored, the rest counted), but the history grows by a bounded number of events, and the detectors raise one
 * finding, not one per attempt. Both topologies.
 */
import { call, newTenant, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';

const ATTEMPTS = 10_000;
const IN_FLIGHT = 32;
const COUNT_EVERY_SECONDS = 5;

let server: MandateServer;
let acme: Tenant;

beforeAll(async () => {
  server = await MandateProcess.start({
    MANDATE_REFUSAL_COUNT_SECONDS: String(COUNT_EVERY_SECONDS),
    // 10,000 uses of one passport within a minute: what is measured here is how refusals are stored, not the rate limit.
    MANDATE_RATE_LIMIT_PASSPORT_PER_MINUTE: '100000',
  });
  acme = await newTenant(server, 'hammered');
});
afterAll(() => server?.stop());

async function exportedFor(jti: string): Promise<Array<Record<string, any>>> {
  const res = await call(server, 'GET', '/v1/audit/export', { token: acme.adminKey });
  return String(res.body).trim().split('\n').map((line) => JSON.parse(line)).filter((e) => e.data?.jti === jti);
}

const counted = (events: Array<Record<string, any>>) =>
  events.filter((e) => e.type === 'PassportUseRefusalsCounted').flatMap((e) => e.data.refusals).reduce((sum, r) => sum + r.count, 0);

it(`given a checked-out passport, when it is used ${ATTEMPTS.toLocaleString('en')} times, then each use is refused, one refusal and one finding are stored, and the others are counted`, async () => {
  const passport = await acme.passport(await acme.agent('logged', 'hammer'));
  const checkout = await call(server, 'POST', `/v1/passports/${passport.jti}/checkout`, { token: passport.token, body: { outcome: 'success' } });
  expect(checkout.status).toBe(200);

  const statuses = new Map<string, number>();
  let sent = 0;
  let lastPosition = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < ATTEMPTS) {
        sent++;
        const answer = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: 'again' } });
        const key = `${answer.status} ${answer.body?.code}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        lastPosition = Math.max(lastPosition, answer.body?.position ?? 0);
      }
    }),
  );
  expect(Object.fromEntries(statuses)).toEqual({ '401 PASSPORT_CHECKED_OUT': ATTEMPTS });

  // Counts are written every few seconds and when a process stops: a restart writes what is still in memory.
  await server.restart();
  const events = await exportedFor(passport.jti);
  const refusals = events.filter((e) => e.type === 'PassportUseRefused');
  expect(refusals.map((e) => [e.data.operation, e.data.code])).toEqual([['tool_call', 'PASSPORT_CHECKED_OUT']]);
  expect(counted(events)).toBe(ATTEMPTS - 1);
  // Issued, checked out, one refusal, its finding, and a few counts: not 20,000 events.
  expect(events.length).toBeLessThanOrEqual(12);

  const findings = await call(server, 'GET', `/v1/security-events?jti=${passport.jti}&wait_for_position=${lastPosition}`, { token: acme.adminKey });
  expect(findings.body.security_events.map((f: { signal: string }) => f.signal)).toEqual(['post_checkout_access']);
}, 180_000);
