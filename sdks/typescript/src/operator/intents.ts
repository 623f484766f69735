import type { IntentSummaryView, IntentView } from '../generated/openapi.js';
import { eachItem } from '../pages.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

/** The approval queue, as an operator sees it. */
export class Intents {
  constructor(private readonly t: Transport) {}

  /** The intents waiting for a person's decision, page after page. */
  pending({ pageSize, signal }: { pageSize?: number } & Signal = {}): AsyncGenerator<IntentSummaryView, void, undefined> {
    const page = (cursor: string | undefined) =>
      this.t.send((init) => this.t.api.GET('/v1/intents', { params: { query: { status: 'pending', cursor, limit: pageSize } }, ...init }), { signal });
    return eachItem(page, (p) => p.intents);
  }

  get(intentId: string, { signal }: Signal = {}): Promise<IntentView> {
    return this.t.send((init) => this.t.api.GET('/v1/intents/{intentId}', { params: { path: { intentId } }, ...init }), { signal });
  }

  approve(intentId: string, { note, signal }: { note?: string } & Signal = {}): Promise<IntentView> {
    return this.t.send(
      (init) => this.t.api.POST('/v1/intents/{intentId}/approve', { params: { path: { intentId } }, body: { note }, ...init }),
      { signal },
    );
  }

  reject(intentId: string, { note, signal }: { note?: string } & Signal = {}): Promise<IntentView> {
    return this.t.send(
      (init) => this.t.api.POST('/v1/intents/{intentId}/reject', { params: { path: { intentId } }, body: { note }, ...init }),
      { signal },
    );
  }
}
