import type { operations, ResolvedResponse, SecurityEventView } from '../generated/openapi.js';
import { eachItem } from '../pages.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

type FindingQuery = NonNullable<operations['ListFindingsRoute_list']['parameters']['query']>;

export interface FindingFilters extends Signal {
  /** The detector's signal (`scope_drift`, `stolen_passport`, …); named so to leave `signal` to the AbortSignal. */
  detectorSignal?: FindingQuery['signal'];
  severity?: FindingQuery['severity'];
  agentId?: string;
  jti?: string;
  status?: FindingQuery['status'];
  /** Read your writes: answer once the findings have caught up with this position. */
  waitForPosition?: number;
  pageSize?: number;
}

/** What the detectors raised. */
export class Findings {
  constructor(private readonly t: Transport) {}

  list({ detectorSignal, severity, agentId, jti, status, waitForPosition, pageSize, signal }: FindingFilters = {}): AsyncGenerator<SecurityEventView, void, undefined> {
    const filters = { signal: detectorSignal, severity, agent_id: agentId, jti, status, wait_for_position: waitForPosition, limit: pageSize };
    const page = (cursor: string | undefined) =>
      this.t.send((init) => this.t.api.GET('/v1/security-events', { params: { query: { ...filters, cursor } }, ...init }), { signal });
    return eachItem(page, (p) => p.security_events);
  }

  get(findingId: string, { signal }: Signal = {}): Promise<SecurityEventView> {
    return this.t.send((init) => this.t.api.GET('/v1/security-events/{id}', { params: { path: { id: findingId } }, ...init }), { signal });
  }

  resolve(findingId: string, note: string, { signal }: Signal = {}): Promise<ResolvedResponse> {
    return this.t.send(
      (init) => this.t.api.POST('/v1/security-events/{id}/resolve', { params: { path: { id: findingId } }, body: { note }, ...init }),
      { signal },
    );
  }
}
