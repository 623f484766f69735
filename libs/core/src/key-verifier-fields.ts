import { upcasters } from './upcasting';

/**
 * Where stored events hold an operator key verifier. Release 0.1 stored sha256(secret) of every operator key as
 * `OperatorKeyCreated.data.keyHash` (schemaVersion 1); from schemaVersion 2 no event carries a verifier (they live
 * server-side, keyed, in the verifier store). Stored text never changes (the chain is taken over it), so the field is
 * dropped wherever an event leaves the store: on every read (the upcaster below, which every adapter reads through)
 * and in the audit export (`redactKeyVerifiers`). It lives in core so that no reader can load events without it.
 */
export const KEY_VERIFIER_FIELDS: Readonly<Record<string, readonly string[]>> = { OperatorKeyCreated: ['keyHash'] };

upcasters.register({
  type: 'OperatorKeyCreated',
  fromVersion: 1,
  upcast: (data: Record<string, unknown>) => withoutFields(data, KEY_VERIFIER_FIELDS.OperatorKeyCreated),
});

function withoutFields(data: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const kept = { ...data };
  for (const field of fields) delete kept[field];
  return kept;
}

interface StoredShape {
  type?: unknown;
  data?: unknown;
}

/** The legacy verifier (sha256 of the secret, hex) a stored event of release 0.1 carries, or null. */
export function legacyKeyHashOf(stored: StoredShape): string | null {
  if (stored.type !== 'OperatorKeyCreated' || typeof stored.data !== 'object' || stored.data === null) return null;
  const keyHash = (stored.data as Record<string, unknown>).keyHash;
  return typeof keyHash === 'string' && /^[0-9a-f]{64}$/.test(keyHash) ? keyHash : null;
}

/** A stored event without its verifier fields, and the paths that were removed (`data.keyHash`); the same object when none. */
export function redactKeyVerifiers<T extends StoredShape>(stored: T): { event: T; redacted: string[] } {
  const fields = typeof stored.type === 'string' && Object.hasOwn(KEY_VERIFIER_FIELDS, stored.type) ? KEY_VERIFIER_FIELDS[stored.type] : [];
  const data = stored.data;
  if (fields.length === 0 || typeof data !== 'object' || data === null) return { event: stored, redacted: [] };
  const present = fields.filter((field) => Object.hasOwn(data, field));
  if (present.length === 0) return { event: stored, redacted: [] };
  return { event: { ...stored, data: withoutFields(data as Record<string, unknown>, present) }, redacted: present.map((field) => `data.${field}`) };
}
