import { canonicalJson, chainLink, GENESIS_HASH, RecordedEvent } from '@mandate/core';
import { ChainedEvent } from '@mandate/event-store';
import { exportLine, verifyExport } from './export-verification';

const LEGACY_HASH = 'b'.repeat(64);

function event(position: number, type: string, schemaVersion: number, data: Record<string, unknown>): RecordedEvent {
  return {
    id: `e${position}`, type, schemaVersion, streamId: 'tenant-ten_1', streamVersion: position, position, tenantId: 'ten_1',
    occurredAt: '2026-01-01T10:00:00.000Z', actor: { kind: 'admin', id: 'instance-admin' }, causationId: null, correlationId: 'c', data,
  };
}

/** A stored chain as the store hands it to the export: canonical text and links taken over it. */
function chain(events: RecordedEvent[]): ChainedEvent[] {
  let previous = GENESIS_HASH;
  return events.map((e) => {
    const canonical = canonicalJson(e);
    previous = chainLink(previous, canonical);
    return { event: e, canonical, chainHash: previous };
  });
}

const history = () =>
  chain([
    event(1, 'TenantCreated', 1, { tenantId: 'ten_1', name: 'acme' }),
    event(2, 'OperatorKeyCreated', 1, { keyId: 'key_1', name: 'first admin key', role: 'admin', keyHash: LEGACY_HASH }),
    event(3, 'OperatorKeyCreated', 2, { keyId: 'key_2', name: 'ci', role: 'operator' }),
    event(4, 'ToolCallLogged', 1, { service: 'stripe', action: 'refunds.create', target: 'ch_1' }),
  ]);

describe('verifying an audit export offline', () => {
  it('given a history with a release 0.1 key event, when exported, then no line holds its hash or the field name, and every other link is recomputed', () => {
    const lines = history().map(exportLine);
    expect(lines.join('\n')).not.toContain(LEGACY_HASH);
    expect(lines.join('\n')).not.toContain('keyHash');
    expect(JSON.parse(lines[1]).redacted).toEqual(['operator_key_verifier']);
    expect(verifyExport(lines)).toEqual({ ok: true, checked: 4, recomputed: 3, taken_on_stored_link: 1, first_break: null });
  });

  it('given one byte of an unredacted event altered in the file, then the chain breaks at that line', () => {
    const lines = history().map(exportLine);
    lines[3] = lines[3].replace('ch_1', 'ch_2');
    expect(verifyExport(lines)).toMatchObject({ ok: false, first_break: { line: 4, position: 4, reason: 'hash_mismatch' } });
  });

  it('given the stored link of a redacted event altered, then the next event no longer links to it', () => {
    const lines = history().map(exportLine);
    const redacted = JSON.parse(lines[1]);
    lines[1] = JSON.stringify({ ...redacted, chainHash: 'c'.repeat(64) });
    expect(verifyExport(lines)).toMatchObject({ ok: false, first_break: { line: 3, position: 3, reason: 'hash_mismatch' } });
  });

  it('given a redaction mark added to an event that never held a verifier, then it is a break, not an event taken on trust', () => {
    const lines = history().map(exportLine);
    lines[3] = JSON.stringify({ ...JSON.parse(lines[3].replace('ch_1', 'ch_2')), redacted: ['operator_key_verifier'] });
    expect(verifyExport(lines)).toMatchObject({ ok: false, first_break: { line: 4, reason: 'unexpected_redaction' } });
  });

  it('given a line that is not JSON, then it is a malformed break', () => {
    expect(verifyExport(['{"not json'])).toMatchObject({ ok: false, first_break: { line: 1, reason: 'malformed' } });
  });
});
