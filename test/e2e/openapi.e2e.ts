import * as fs from 'fs';
import * as path from 'path';
import { call, newTenant } from './support/client';
import { ADMIN_KEY, MandateProcess, ROOT } from './support/server';

type Schema = { $ref?: string; type?: string; additionalProperties?: boolean; properties?: Record<string, Schema>; required?: string[]; items?: Schema; allOf?: Schema[] };
type Operation = {
  operationId: string;
  summary?: string;
  security?: Array<Record<string, string[]>>;
  'x-audience': string[];
  parameters?: Array<{ name: string; in: string; schema: Schema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('the OpenAPI document is true to the server', () => {
  let server: MandateProcess;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  const operations = () =>
    Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ path: p, method, op })));
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()!]) : schema?.allOf?.length === 1 ? resolve(schema.allOf[0]) : schema;

  beforeAll(async () => {
    server = await MandateProcess.startEmbedded({ LOG_LEVEL: 'log' });
    doc = (await call(server, 'GET', '/openapi.json')).body;
  });
  afterAll(() => server?.stop());

  it('gives every operation a summary a generated client can show', () => {
    // given the operations of the document
    // when those without a summary (or with a placeholder one) are listed
    const unsummarized = operations()
      .filter(({ op }) => !op.summary || op.summary.trim().length < 10)
      .map(({ path, method }) => `${method} ${path}`);
    // then there are none
    expect(unsummarized).toEqual([]);
  });

  it('describes exactly the routes the server maps, no more and no fewer', async () => {
    // NestJS logs every route it maps at start-up: "Mapped {/v1/passports/:jti/checkpoint, POST} route".
    const mapped = [...server.output.matchAll(/Mapped \{([^,]+), (\w+)\} route/g)]
      .map(([, path, method]) => `${method.toLowerCase()} ${path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(mapped.length).toBeGreaterThan(20);
    expect(doc.openapi).toMatch(/^3\./);
    expect(operations().map(({ path, method }) => `${method} ${path}`).sort()).toEqual(mapped);
  });

  it('is the document the build wrote for the front door (dist/openapi.json), so both topologies serve the same one', () => {
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'openapi.json'), 'utf8'))).toEqual(doc);
  });

  it('gives every success response a schema with fields, and SSE and NDJSON routes the shape of their events and lines', () => {
    const trivial = operations().flatMap(({ path, method, op }) => {
      const success = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
      if (success.length === 0) return [`${method} ${path}: no 2xx`];
      return success.flatMap(([status, response]) =>
        Object.entries(response.content ?? { none: {} }).flatMap(([type, { schema }]) => {
          const resolved = resolve(schema);
          const described = type === 'text/plain' ? resolved?.type === 'string' : Object.keys(resolved?.properties ?? {}).length > 0;
          return described ? [] : [`${method} ${path} ${status} ${type}`];
        }),
      );
    });
    expect(trivial).toEqual([]);
    const contentTypes = (p: string) => Object.keys(doc.paths[p].get.responses['200'].content ?? {});
    expect(contentTypes('/v1/revocations/stream')).toEqual(['text/event-stream']);
    expect(contentTypes('/v1/security-events/stream')).toEqual(['text/event-stream']);
    expect(contentTypes('/v1/audit/export')).toEqual(['application/x-ndjson']);
    expect(resolve(doc.paths['/v1/revocations/stream'].get.responses['200'].content!['text/event-stream'].schema)!.properties!.data.$ref).toMatch(/RevocationEventView$/);
  });

  it('describes every error as a problem, with the errors[] a refused field gets, and 429 and 503 everywhere', () => {
    const problem = doc.components.schemas.ProblemResponse;
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    expect(resolve(problem.properties!.errors.items)!.required).toEqual(['field', 'problems']);
    const wrong = operations().flatMap(({ path, method, op }) => {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      const shapes = errors.filter(([, r]) => r.content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/ProblemResponse').map(([s]) => `${method} ${path} ${s}`);
      const missing = ['429', '503'].filter((s) => !op.responses[s]).map((s) => `${method} ${path} lacks ${s}`);
      const secured = !op['x-audience'].includes('public');
      const auth = secured ? ['401', '403'].filter((s) => !op.responses[s]).map((s) => `${method} ${path} lacks ${s}`) : [];
      return [...shapes, ...missing, ...auth];
    });
    expect(wrong).toEqual([]);
  });

  it('types query parameters as the DTOs validate them: integers with bounds, patterns on cursors', () => {
    const query = (p: string, name: string) => doc.paths[p].get.parameters!.find((q) => q.in === 'query' && q.name === name)!.schema;
    expect(query('/v1/agents', 'limit')).toEqual({ type: 'integer', minimum: 1, maximum: 500 });
    expect(query('/v1/audit', 'wait_for_position')).toEqual({ type: 'integer', minimum: 0 });
    expect(query('/v1/security-events', 'cursor')).toEqual({ type: 'string', pattern: '^\\d{1,15}$' });
    expect(query('/v1/intents/{intentId}', 'wait')).toEqual({ type: 'integer', minimum: 0, maximum: 60 });
    expect(doc.components.schemas.PolicyDto.additionalProperties).toBe(false);
    const actions = resolve(doc.components.schemas.SettingsDto.properties!.actions)!;
    expect(actions.properties!.scope_drift).toEqual({ type: 'string', enum: ['observe', 'flag', 'revoke'] });
    // The newest signal is optional, so that settings written for the earlier five stay valid.
    expect(actions.properties!.unreported_calls).toEqual({ type: 'string', enum: ['observe', 'flag', 'revoke'] });
    expect(actions.required).not.toContain('unreported_calls');
    expect(actions.properties!.stolen_passport).toEqual({ type: 'string', enum: ['observe', 'flag', 'revoke'] });
    expect(actions.required).not.toContain('stolen_passport');
    expect(actions.required).toContain('scope_drift');
  });

  it('marks a request body required exactly when the route refuses a request without one', async () => {
    // Given a tenant and a passport, and for each operation with a body a credential of its audience
    const tenant = await newTenant(server, 'contract');
    const passport = await tenant.passport(await tenant.agent());
    const credential = (op: Operation) =>
      op['x-audience'].includes('passport') ? passport.token : op['x-audience'].includes('admin') || !op['x-audience'].includes('instance_admin') ? tenant.adminKey : ADMIN_KEY;
    // When each is sent without a body (ids that exist nowhere, except the passport's own: its actions need it)
    const disagreements: string[] = [];
    for (const { path: p, method, op } of operations().filter(({ op }) => op.requestBody)) {
      const url = p.replace('{jti}', p.endsWith('/actions') ? passport.jti : 'pp_none').replace(/\{(\w+)\}/g, (_, name: string) => `${name.slice(0, 3)}_none`);
      const reply = await call(server, method.toUpperCase(), url, { token: credential(op) });
      const refused = reply.status === 422 && reply.body.code === 'VALIDATION_FAILED';
      // Then the document says required exactly where the server refused it
      if (refused !== op.requestBody!.required) disagreements.push(`${method} ${p}: required ${op.requestBody!.required}, answered ${reply.status} ${reply.body?.code}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('serves liveness, readiness and Prometheus metrics', async () => {
    expect((await call(server, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(server, 'GET', '/readyz')).body.status).toBe('ready');
    const metrics = await call(server, 'GET', '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^mandate_http_requests_total\{method="GET",route="\/healthz",status_code="200"\} \d+$/m);
    expect(metrics.body).toMatch(/^mandate_event_store_head_position \d+$/m);
    expect(metrics.body).toMatch(/^mandate_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/readyz",status_code="200"\} \d+$/m);
  });
});
