/** The four services behind the front door. */
export type ServiceName = 'passport' | 'intent' | 'detector' | 'audit';

/**
 * Which service answers a path: the public API is one tree, each branch owned by one service. The revocations branch
 * is split: the kill switch changes passports, the stream reads the audit's revocation feed.
 */
export function serviceFor(method: string, pathname: string): ServiceName | null {
  const p = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const under = (prefix: string) => p === prefix || p.startsWith(`${prefix}/`);
  if (under('/v1/revocations/stream')) return 'audit';
  if (under('/v1/revocations')) return 'passport';
  // The passport service signs; the others only learn of a rotation from the keys directory.
  if (under('/v1/admin/signing-keys')) return 'passport';
  if (under('/v1/tenants') || under('/v1/keys') || under('/v1/limits') || under('/v1/settings') || under('/v1/agents') || under('/v1/passports') || under('/v1/missions') || under('/v1/services') || under('/v1/proxy') || under('/.well-known')) return 'passport';
  if (under('/v1/intents') || under('/v1/policies')) return 'intent';
  if (under('/v1/security-events') || under('/v1/detectors') || under('/v1/admin/replay')) return 'detector';
  if (under('/v1/audit')) return 'audit';
  return null;
}
