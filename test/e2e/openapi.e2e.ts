import { call } from './support/client';
import { MandateProcess } from './support/server';

describe('the OpenAPI document is true to the server', () => {
  let server: MandateProcess;

  beforeAll(async () => (server = await MandateProcess.startEmbedded({ LOG_LEVEL: 'log' })));
  afterAll(() => server?.stop());

  it('describes exactly the routes the server maps, no more and no fewer', async () => {
    // NestJS logs every route it maps at start-up: "Mapped {/v1/passports/:jti/checkpoint, POST} route".
    const mapped = [...server.output.matchAll(/Mapped \{([^,]+), (\w+)\} route/g)]
      .map(([, path, method]) => `${method.toLowerCase()} ${path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(mapped.length).toBeGreaterThan(20);
    const doc = (await call(server, 'GET', '/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(mapped);
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
