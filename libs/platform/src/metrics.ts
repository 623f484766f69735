import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Request latencies from a cached read (sub-millisecond) to a long poll; seconds, as Prometheus expects. */
const DURATION_BUCKETS_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30];
const REQUEST_LABELS = ['method', 'route', 'status_code'] as const;
/** The route label of a request no route matched: a raw URL would give every probe and typo its own series. */
export const UNMATCHED_ROUTE = 'unmatched';

/** This process's Prometheus registry: Node's default process metrics, per-route request figures and Mandate's gauges. */
export class Metrics {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'mandate_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: REQUEST_LABELS,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'mandate_http_request_duration_seconds',
    help: 'Time from request to the last byte of the answer, by method, route pattern and status code',
    labelNames: REQUEST_LABELS,
    buckets: DURATION_BUCKETS_S,
    registers: [this.registry],
  });

  private readonly rateLimitedRequests = new Counter({
    name: 'mandate_rate_limited_total',
    help: 'Requests answered 429: by rate limit scope (operator_key, passport, address, unverified) or "streams" for the event stream limits',
    labelNames: ['scope'],
    registers: [this.registry],
  });
  private readonly refusedConnections = new Counter({
    name: 'mandate_http_connections_refused_total',
    help: 'Connections answered 503 SERVER_BUSY because the server held MANDATE_MAX_CONNECTIONS already',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  rateLimited(scope: string): void {
    this.rateLimitedRequests.inc({ scope });
  }

  connectionRefused(): void {
    this.refusedConnections.inc();
  }

  /** `route` is the pattern the router matched (/v1/passports/:jti/actions), never the URL, so series stay bounded. */
  observeRequest(method: string, route: string | undefined, statusCode: number, milliseconds: number): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status_code: statusCode };
    this.requests.inc(labels);
    this.durations.observe(labels, milliseconds / 1000);
  }

  /** A figure read when Prometheus scrapes, such as the store's head position. */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    // A second registration under one name replaces the first instead of throwing.
    this.registry.removeSingleMetric(name);
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** A counter of one module's own (the proxy's calls, …), registered here so /metrics shows it. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    this.registry.removeSingleMetric(name);
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    this.registry.removeSingleMetric(name);
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
