/**
 * The README's promise, whatever the input: every unknown field or query parameter is refused with 422 (also those
 * named like an inherited member of every object), and what the HTTP parser itself cannot read is answered with
 * problem details too. Both topologies: in distributed mode the front door answers the parser's errors itself.
 */
import * as net from 'net';
import { call, newTenant, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';

let server: MandateServer;
let acme: Tenant;

beforeAll(async () => {
  server = await MandateProcess.start();
  acme = await newTenant(server, 'parsing');
});
afterAll(() => server?.stop());

/** Sends bytes as they are (no client library would send these) and reads the whole answer. */
function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head.toLowerCase(), body });
    });
  });
}

describe('errors of the HTTP parser are problem details', () => {
  it('given a request with two different Content-Length headers, then 400 MALFORMED_REQUEST as problem details', async () => {
    const answer = await raw('POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}');
    expect(answer.status).toBe(400);
    expect(answer.headers).toContain('content-type: application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST', type: expect.stringContaining('malformed-request') });
  });

  it('given headers larger than the server reads, then 431 HEADERS_TOO_LARGE as problem details', async () => {
    const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
  });
});

describe('unknown fields are refused whatever their name', () => {
  const agentsStored = async () => (await call(server, 'GET', '/v1/agents', { token: acme.adminKey })).body.agents.length;

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'])(
    'given a new agent with a field named %s, then 422 naming it, and no agent is stored',
    async (name) => {
      const before = await agentsStored();
      const answer = await call(server, 'POST', '/v1/agents', { token: acme.adminKey, rawBody: `{"name":"bot","${name}":1}` });
      expect([answer.status, answer.body.code]).toEqual([422, 'VALIDATION_FAILED']);
      expect(answer.body.errors).toEqual([{ field: name, problems: [`property ${name} should not exist`] }]);
      expect(await agentsStored()).toBe(before);
    },
  );

  it('given a batch whose second call carries a field named toString, then 422 names calls.1.toString and nothing is logged', async () => {
    const passport = await acme.passport(await acme.agent('logged', 'batcher'));
    const answer = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, {
      token: passport.token,
      rawBody: '{"calls":[{"service":"slack","action":"a"},{"service":"slack","action":"b","toString":"x"}]}',
    });
    expect([answer.status, answer.body.errors]).toEqual([422, [{ field: 'calls.1.toString', problems: ['property toString should not exist'] }]]);
    const read = await call(server, 'GET', `/v1/passports/${passport.jti}`, { token: acme.adminKey });
    expect(read.body.actions_logged).toBe(0);
  });

  it('given a query parameter named constructor, then 422', async () => {
    const answer = await call(server, 'GET', '/v1/agents?limit=5&constructor=1', { token: acme.adminKey });
    expect([answer.status, answer.body.code, answer.body.errors?.[0]?.field]).toEqual([422, 'VALIDATION_FAILED', 'constructor']);
  });

  it('given an intent whose described call body has a key named constructor, then it is stored as sent (free-form JSON is not judged)', async () => {
    const passport = await acme.passport(await acme.agent('logged', 'free-form'), { intent: { summary: 'refunds', services: ['stripe'] } });
    const call1 = { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { constructor: 'ch_1', toString: 42 } };
    const answer = await call(server, 'POST', '/v1/intents', {
      token: passport.token,
      body: { named_intent: 'stripe:refunds:create', target: 'stripe', action: 'POST /v1/refunds', parameters: call1, reason: 'odd but valid' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.authorization_details[0].parameters.body).toEqual({ constructor: 'ch_1', toString: 42 });
  });
});
