import { Metrics } from './metrics';

/** The value of one sample line of the Prometheus text, or undefined. */
const sample = (text: string, series: string) => text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1];

describe('metrics', () => {
  it('given a new process, then Node\'s default process metrics are there under their usual names', async () => {
    const text = await new Metrics().render();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('given requests on one route with different ids, then they fall into one series named by the route pattern', async () => {
    const metrics = new Metrics();
    metrics.observeRequest('POST', '/v1/passports/:jti/actions', 201, 3);
    metrics.observeRequest('POST', '/v1/passports/:jti/actions', 201, 40);
    metrics.observeRequest('GET', undefined, 404, 1);
    const text = await metrics.render();
    const actions = 'method="POST",route="/v1/passports/:jti/actions",status_code="201"';
    expect(sample(text, `mandate_http_request_duration_seconds_count{${actions}}`)).toBe('2');
    expect(sample(text, `mandate_http_request_duration_seconds_bucket{le="0.005",${actions}}`)).toBe('1');
    expect(Number(sample(text, `mandate_http_request_duration_seconds_sum{${actions}}`))).toBeCloseTo(0.043);
    expect(sample(text, `mandate_http_requests_total{${actions}}`)).toBe('2');
    expect(sample(text, 'mandate_http_requests_total{method="GET",route="unmatched",status_code="404"}')).toBe('1');
  });

  it('given a gauge, then its figure is read when scraped, under the name it was given', async () => {
    const metrics = new Metrics();
    let head = 7;
    metrics.gauge('mandate_event_store_head_position', 'head', () => head);
    expect(await metrics.render()).toMatch(/^# TYPE mandate_event_store_head_position gauge\nmandate_event_store_head_position 7$/m);
    head = 9;
    expect(sample(await metrics.render(), 'mandate_event_store_head_position')).toBe('9');
  });

  it('given the same gauge registered twice, then the later reading replaces the first', async () => {
    const metrics = new Metrics();
    metrics.gauge('mandate_read_models_position', 'position', () => 1);
    metrics.gauge('mandate_read_models_position', 'position', async () => 2);
    expect(sample(await metrics.render(), 'mandate_read_models_position')).toBe('2');
  });

  it('given a scrape, then it is served as Prometheus text 0.0.4', () => {
    expect(new Metrics().contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
