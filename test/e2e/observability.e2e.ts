import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { call } from './support/client';
import { lineOf, linesOf } from './support/log-lines';
import { MandateProcess } from './support/server';

describe('logs and metrics that log collectors and Prometheus read', () => {
  let server: MandateProcess;
  let instanceAdminKey: string;

  beforeAll(async () => {
    // No MANDATE_ADMIN_KEY: the server generates the instance admin key on its first start.
    server = await MandateProcess.startEmbedded({ LOG_LEVEL: 'log', MANDATE_ADMIN_KEY: '' });
    instanceAdminKey = fs.readFileSync(path.join(server.dataDir, 'admin-key'), 'utf8').trim();
    // Its start-up lines may reach this process after its readiness answer did (two pipes, no order between them):
    // the last of them, "listening on …", is awaited, not assumed.
    await lineOf(server.node, (line) => line.includes('listening on http://'));
  });
  afterAll(() => server?.stop());

  describe('the generated instance admin key', () => {
    it('given no admin key is set, when the server starts, then the key is in a file only its owner can read', () => {
      const file = path.join(server.dataDir, 'admin-key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(instanceAdminKey).toMatch(/^mdt_admin\.[A-Za-z0-9_-]{43}$/);
    });

    it('given the key was generated, then the log says which file holds it and no line holds the key', () => {
      const secret = instanceAdminKey.split('.')[1];
      expect(linesOf(server.node).filter((line) => line.includes(secret))).toEqual([]);
      const notice = linesOf(server.node).map((line) => JSON.parse(line)).find((entry) => /Generated the instance admin key/.test(entry.msg));
      expect(notice).toMatchObject({ level: 'warn', msg: expect.stringContaining(path.join(server.dataDir, 'admin-key')) });
    });
  });

  describe('log lines', () => {
    it('given the server has started, then every line it wrote is JSON with a level, a message and the service', () => {
      const lines = linesOf(server.node);
      expect(lines.length).toBeGreaterThan(5);
      for (const line of lines) {
        const entry = JSON.parse(line);
        expect(entry).toMatchObject({ level: expect.stringMatching(/^(debug|info|warn|error|fatal)$/), service: 'mandate' });
        expect(typeof (entry.msg ?? entry.message)).toBe('string');
      }
    });

    it('given requests with a passport and an operator key, then the request id sent is on the request line and neither secret is in any line', async () => {
      const requestId = `obs-${randomBytes(6).toString('hex')}`;
      const tenant = await call(server, 'POST', '/v1/tenants', { token: instanceAdminKey, body: { name: 'observed' } });
      expect(tenant.status).toBe(201);
      const operatorKey: string = tenant.body.admin_key.key;
      const agent = await call(server, 'POST', '/v1/agents', { token: operatorKey, body: { name: 'triage', accountability_mode: 'logged' } });
      const passport = await call(server, 'POST', '/v1/passports', {
        token: operatorKey,
        body: { agent_id: agent.body.id, intent: { summary: 'triage support tickets', services: ['slack'] } },
      });
      expect(passport.status).toBe(201);
      const { token, jti } = passport.body;

      const logged = await call(server, 'POST', `/v1/passports/${jti}/actions`, {
        token,
        headers: { 'x-request-id': requestId },
        body: { service: 'slack', action: 'chat.postMessage', target: '#support', outcome: 'success' },
      });
      expect(logged.status).toBe(201);
      expect(logged.headers.get('x-request-id')).toBe(requestId);
      // A secret sent where no route reads it (a query string) is refused, and not written down either.
      const refused = await call(server, 'GET', `/v1/agents?token=${token}&key=${operatorKey}`, { token: operatorKey, headers: { 'x-request-id': `${requestId}-query` } });
      expect(refused.status).toBe(422);
      const forgedKey = `${operatorKey.slice(0, -4)}AAAA`;
      const forged = await call(server, 'GET', '/v1/agents', { token: forgedKey, headers: { 'x-request-id': `${requestId}-forged` } });
      expect(forged.status).toBe(401);

      const requestLine = JSON.parse(await lineOf(server.node, (line) => line.includes(`"${requestId}"`)));
      expect(requestLine).toMatchObject({ level: 'info', reqId: requestId, req: { method: 'POST', path: `/v1/passports/${jti}/actions` }, res: { statusCode: 201 } });
      await lineOf(server.node, (line) => line.includes(`"${requestId}-forged"`));
      await lineOf(server.node, (line) => line.includes(`"${requestId}-query"`));
      const secrets = [token, token.split('.')[2], operatorKey, operatorKey.split('.')[3], forgedKey.split('.')[3], instanceAdminKey];
      expect(linesOf(server.node).filter((line) => secrets.some((secret) => line.includes(secret)))).toEqual([]);
    });

    it('given no request id, or one that could forge a log line, then the server makes one and echoes it', async () => {
      const fresh = await call(server, 'GET', '/v1/.well-known/unknown');
      const unsafe = await call(server, 'GET', '/v1/.well-known/unknown', { headers: { 'x-request-id': 'a"b\\c'.repeat(40) } });
      for (const answer of [fresh, unsafe]) expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(fresh.headers.get('x-request-id')).not.toBe(unsafe.headers.get('x-request-id'));
      const line = JSON.parse(await lineOf(server.node, (l) => l.includes(unsafe.headers.get('x-request-id')!)));
      expect(line).toMatchObject({ reqId: unsafe.headers.get('x-request-id'), res: { statusCode: 404 } });
    });
  });

  describe('/metrics', () => {
    /** Prometheus text: `# HELP`/`# TYPE` comments and `name{labels} value` samples, nothing else. */
    function parsePrometheus(text: string) {
      const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
      const types = new Map<string, string>();
      for (const line of text.split('\n').filter(Boolean)) {
        const type = /^# TYPE (\w+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
        if (type) types.set(type[1], type[2]);
        if (line.startsWith('#')) continue;
        const sample = /^(\w+)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
        if (!sample) throw new Error(`not Prometheus text: ${line}`);
        const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]));
        samples.push({ name: sample[1], labels, value: Number(sample[3]) });
      }
      return { samples, types };
    }

    it('given a called route, then /metrics has Node\'s process metrics, a histogram by route pattern and the store head', async () => {
      // The tool call logged by the request-id test above is one of the routes looked for.
      const agents = await call(server, 'GET', '/v1/agents/agt_does_not_exist', { token: instanceAdminKey });
      expect(agents.status).toBeGreaterThanOrEqual(400);
      const scrape = await call(server, 'GET', '/metrics');
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const { samples, types } = parsePrometheus(scrape.body);
      const names = new Set(samples.map((s) => s.name));

      expect([...names].filter((name) => name.startsWith('process_cpu_'))).not.toEqual([]);
      expect([...names].filter((name) => name.startsWith('nodejs_'))).not.toEqual([]);

      expect(types.get('mandate_http_request_duration_seconds')).toBe('histogram');
      const routes = new Set(samples.filter((s) => s.name === 'mandate_http_request_duration_seconds_count').map((s) => s.labels.route));
      expect(routes).toContain('/v1/passports/:jti/actions');
      expect(routes).toContain('/v1/agents/:agentId');
      // The route pattern, never the URL: no id of a passport or an agent in any label.
      expect([...routes].filter((route) => /jti_|agt_|obs-/.test(route))).toEqual([]);
      const actions = samples.find((s) => s.name === 'mandate_http_request_duration_seconds_count' && s.labels.route === '/v1/passports/:jti/actions');
      expect(actions).toMatchObject({ labels: { method: 'POST', status_code: '201' }, value: 1 });

      expect(types.get('mandate_event_store_head_position')).toBe('gauge');
      expect(samples.find((s) => s.name === 'mandate_event_store_head_position')!.value).toBeGreaterThan(0);
    });
  });
});
