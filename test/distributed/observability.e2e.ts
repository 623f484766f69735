import { randomBytes } from 'crypto';
import { call, newTenant } from '../e2e/support/client';
import { lineOf, linesOf } from '../e2e/support/log-lines';
import { ADMIN_KEY, DistributedMandate } from '../e2e/support/server';

jest.setTimeout(120_000);

let server: DistributedMandate;

beforeAll(async () => (server = await DistributedMandate.start({ LOG_LEVEL: 'log' }, { label: 'obs' })));
afterAll(() => server?.stop());

describe('one request id from the front door to the service behind it', () => {
  it('given a request id sent to the front door, then the answer echoes it and the door\'s line and the passport service\'s line carry it', async () => {
    const acme = await newTenant(server, 'acme');
    const passport = await acme.passport(await acme.agent('logged'));
    const requestId = `door-${randomBytes(6).toString('hex')}`;
    const answer = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, {
      token: passport.token,
      headers: { 'x-request-id': requestId },
      body: { service: 'slack', action: 'chat.postMessage', target: '#support' },
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-request-id')).toBe(requestId);

    const path = `/v1/passports/${passport.jti}/actions`;
    const door = JSON.parse(await lineOf(server.gateway, (line) => line.includes(`"${requestId}"`)));
    expect(door).toMatchObject({ service: 'gateway', level: 'info', reqId: requestId, req: { method: 'POST', path }, res: { statusCode: 201 } });
    const behind = JSON.parse(await lineOf(server.services.passport, (line) => line.includes(`"${requestId}"`)));
    expect(behind).toMatchObject({ service: 'passport', level: 'info', reqId: requestId, req: { method: 'POST', path }, res: { statusCode: 201 } });
  });

  it('given no request id, then the front door makes one, and the service behind logs that same id', async () => {
    const answer = await call(server, 'GET', '/.well-known/jwks.json');
    const made = answer.headers.get('x-request-id')!;
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    await lineOf(server.gateway, (line) => line.includes(`"${made}"`));
    await lineOf(server.services.passport, (line) => line.includes(`"${made}"`));
  });

  it('given everything the processes wrote, then each line is JSON with a level, and no key or passport is in any', async () => {
    const acme = await newTenant(server, 'secrets');
    const passport = await acme.passport(await acme.agent('logged'));
    const requestId = `secrets-${randomBytes(6).toString('hex')}`;
    await call(server, 'POST', `/v1/passports/${passport.jti}/checkout`, { token: passport.token, headers: { 'x-request-id': requestId } });
    await lineOf(server.services.passport, (line) => line.includes(`"${requestId}"`));
    const processes = [server.gateway, ...Object.values(server.services)];
    for (const node of processes) for (const line of linesOf(node)) expect(JSON.parse(line)).toMatchObject({ level: expect.any(String) });
    const secrets = [ADMIN_KEY, acme.adminKey, passport.token, passport.token.split('.')[2]];
    const leaks = processes.flatMap((node) => linesOf(node)).filter((line) => secrets.some((secret) => line.includes(secret)));
    expect(leaks).toEqual([]);
  });
});

describe('each service\'s /metrics in distributed mode', () => {
  it('given events relayed through Kafka, then every service serves Prometheus text with the relay and stream gauges under their names', async () => {
    const acme = await newTenant(server, 'metrics');
    const passport = await acme.passport(await acme.agent('logged'));
    const logged = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: 'chat.postMessage' } });
    expect(logged.status).toBe(201);
    // The audit service sees the call through the stream: by then the relay has published it.
    await acme.audit(`?mission_id=${passport.mission_id}&wait_for_position=${logged.body.position}`);
    const scrapes = await Promise.all(Object.values(server.services).map(async (service) => (await fetch(`${service.url}/metrics`)).text()));
    const figure = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    for (const text of scrapes) {
      for (const gauge of ['mandate_relay_published_position', 'mandate_stream_events_from_kafka', 'mandate_stream_events_from_store', 'mandate_revoke_commands_applied']) {
        expect(text).toContain(`# TYPE ${gauge} gauge`);
        expect(figure(text, gauge)).toBeGreaterThanOrEqual(0);
      }
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    }
    expect(Math.max(...scrapes.map((text) => figure(text, 'mandate_relay_published_position')))).toBeGreaterThanOrEqual(logged.body.position);
    const passportScrape = scrapes[Object.keys(server.services).indexOf('passport')];
    expect(figure(passportScrape, 'mandate_http_request_duration_seconds_count\\{method="POST",route="/v1/passports/:jti/actions",status_code="201"\\}')).toBeGreaterThanOrEqual(1);
  });
});

describe('the front door\'s own /metrics', () => {
  it('given requests passed to two services and one that no service owns, then the door counts each by service and status, beside Node\'s metrics', async () => {
    const acme = await newTenant(server, 'door-metrics');
    await call(server, 'GET', '/v1/intents', { token: acme.adminKey });
    await call(server, 'GET', '/v1/nowhere', { token: acme.adminKey });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^mandate_gateway_requests_total\{service="passport",status_code="201"\} [1-9]/m);
    expect(text).toMatch(/^mandate_gateway_requests_total\{service="intent",status_code="200"\} [1-9]/m);
    expect(text).toMatch(/^mandate_gateway_requests_total\{service="gateway",status_code="404"\} [1-9]/m);
    expect(text).toMatch(/^mandate_gateway_request_duration_seconds_count\{service="intent"\} [1-9]/m);
  });
});
