import { exportLines } from '../audit-export.js';
import type { AuditEntryView, AuditExportLine, ChainVerificationResponse } from '../generated/openapi.js';
import { eachItem } from '../pages.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

export interface AuditFilters extends Signal {
  agentId?: string;
  jti?: string;
  missionId?: string;
  /** An event type, e.g. `PassportRevoked`. */
  type?: string;
  from?: string;
  to?: string;
  /** Read your writes: answer once the audit has caught up with this position (a write's `position`). */
  waitForPosition?: number;
  pageSize?: number;
}

/** The tenant's tamper-evident history. */
export class Audit {
  constructor(private readonly t: Transport) {}

  /** The audit entries that match, oldest first, page after page. */
  query({ agentId, jti, missionId, type, from, to, waitForPosition, pageSize, signal }: AuditFilters = {}): AsyncGenerator<AuditEntryView, void, undefined> {
    const filters = { agent_id: agentId, jti, mission_id: missionId, type, from, to, wait_for_position: waitForPosition, limit: pageSize };
    const page = (cursor: string | undefined) =>
      this.t.send((init) => this.t.api.GET('/v1/audit', { params: { query: { ...filters, cursor } }, ...init }), { signal });
    return eachItem(page, (p) => p.entries);
  }

  /** Every raw event of the tenant, in order, with its chain link; resumes after the last one if the connection drops. */
  export({ afterPosition, signal }: { afterPosition?: number } & Signal = {}): AsyncGenerator<AuditExportLine, void, undefined> {
    const open = (after: number | undefined) =>
      this.t.send(
        (init) =>
          this.t.api.GET('/v1/audit/export', {
            params: { query: { after_position: after === undefined ? undefined : String(after) } },
            headers: { accept: 'application/x-ndjson' },
            parseAs: 'stream',
            ...init,
          }),
        { signal, stream: true },
      );
    return exportLines(open, this.t.options.retry, this.t.logger, { afterPosition, signal });
  }

  /** Checks the hash chain of the tenant's whole history: `{ok, checked, first_break}`. */
  verify({ signal }: Signal = {}): Promise<ChainVerificationResponse> {
    return this.t.send((init) => this.t.api.GET('/v1/audit/verify', init), { signal });
  }
}
