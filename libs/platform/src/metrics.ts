/** Just enough of the Prometheus text format for counters and one latency histogram; no client library needed. */
const BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 5000];

export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly buckets = new Array(BUCKETS_MS.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;
  private readonly gauges = new Map<string, () => number | Promise<number>>();

  count(name: string, labels: Record<string, string | number>, by = 1): void {
    const key = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  observeRequest(method: string, status: number, ms: number): void {
    this.count('mandate_http_requests_total', { method, status });
    const i = BUCKETS_MS.findIndex((b) => ms <= b);
    this.buckets[i === -1 ? BUCKETS_MS.length : i]++;
    this.latencySum += ms / 1000;
    this.latencyCount++;
  }

  gauge(name: string, read: () => number | Promise<number>): void {
    this.gauges.set(name, read);
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const [key, value] of this.counters) lines.push(`${key} ${value}`);
    let cumulative = 0;
    lines.push('# TYPE mandate_http_request_duration_seconds histogram');
    BUCKETS_MS.forEach((b, i) => {
      cumulative += this.buckets[i];
      lines.push(`mandate_http_request_duration_seconds_bucket{le="${b / 1000}"} ${cumulative}`);
    });
    lines.push(`mandate_http_request_duration_seconds_bucket{le="+Inf"} ${this.latencyCount}`);
    lines.push(`mandate_http_request_duration_seconds_sum ${this.latencySum}`);
    lines.push(`mandate_http_request_duration_seconds_count ${this.latencyCount}`);
    for (const [name, read] of this.gauges) lines.push(`# TYPE ${name} gauge`, `${name} ${await read()}`);
    return lines.join('\n') + '\n';
  }
}
