import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { ObservedOutcome } from '@mandate/missions';
import { Metrics } from '@mandate/platform';

/** What operators see of the proxy on /metrics: calls by outcome and refusal code, and how long upstreams took. */
@Injectable()
export class ProxyMetrics {
  private readonly calls: Counter<'outcome' | 'code'>;
  private readonly latency: Histogram<'outcome'>;

  constructor(metrics: Metrics) {
    this.calls = metrics.counter(
      'mandate_proxied_calls_total',
      'Calls through the credential proxy: forwarded (success, failure), failed upstream (error, with its code) or refused (with its code)',
      ['outcome', 'code'],
    );
    this.latency = metrics.histogram(
      'mandate_proxied_call_upstream_seconds',
      'Time from sending a proxied call upstream to the last byte of its answer',
      ['outcome'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
  }

  refused(code: string): void {
    this.calls.inc({ outcome: 'refused', code });
  }

  ended(outcome: ObservedOutcome): void {
    this.calls.inc({ outcome: outcome.outcome, code: outcome.code ?? '' });
    if (outcome.status !== null) this.latency.observe({ outcome: outcome.outcome }, outcome.latencyMs / 1000);
  }
}
