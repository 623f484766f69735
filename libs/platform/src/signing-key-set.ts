import { MISSION_LIMITS } from '@mandate/missions';

/**
 * The rules of the passport signing keys, apart from where the keys are kept: which key signs, which still verify,
 * and when a retired one leaves. Nothing is stored about a retirement: a key is retired when the next rotation's key
 * began signing, so processes that share the keys directory agree without telling each other anything.
 */

/** The longest a passport lives: a token's exp never passes its mission's end, at most this after it was signed. */
export const LONGEST_PASSPORT_SECONDS = MISSION_LIMITS.ttlSeconds.max;
/** Added to a retired key's life for processes whose clocks disagree a little with the one that rotated. */
export const CLOCK_SKEW_SECONDS = 300;
export const DEFAULT_KEY_RETENTION_SECONDS = LONGEST_PASSPORT_SECONDS + CLOCK_SKEW_SECONDS;

/** A key as the keys directory holds it: its place among the rotations and when it began signing. */
export interface SigningKeyEntry {
  /** 0 for the installation's first key, n for the key the n-th rotation made. */
  seq: number;
  kid: string;
  signingSince: string;
}

export interface SigningKeyStanding {
  status: 'signing' | 'retired';
  /** When the next key began signing: the last moment this one signed a passport. */
  retiredAt: string | null;
  /** retiredAt + the retention: every passport it signed has expired by then, and it leaves the JWKS. */
  verifiesUntil: string | null;
}

const plusSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** Every key in rotation order, the newest last: it signs, the others are retired. */
export function standingsOf<K extends SigningKeyEntry>(entries: readonly K[], retentionSeconds: number): Array<K & SigningKeyStanding> {
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  return ordered.map((entry, i) => {
    const next = ordered[i + 1];
    if (!next) return { ...entry, status: 'signing', retiredAt: null, verifiesUntil: null };
    return { ...entry, status: 'retired', retiredAt: next.signingSince, verifiesUntil: plusSeconds(next.signingSince, retentionSeconds) };
  });
}

/** The newest key signs: a rotation takes effect at once, and a passport it signs verifies wherever the key is known. */
export function signerOf<K extends SigningKeyEntry>(entries: readonly K[]): K | undefined {
  return entries.reduce<K | undefined>((newest, entry) => (!newest || entry.seq > newest.seq ? entry : newest), undefined);
}

/** The signing key verifies for as long as it signs; a retired one until the passports it signed have all expired. */
export const verifiesAt = (standing: SigningKeyStanding, now: string): boolean =>
  standing.verifiesUntil === null || Date.parse(now) < Date.parse(standing.verifiesUntil);

/** What the JWKS holds at `now`: every key a live passport can carry. */
export const stillVerifying = <K extends SigningKeyEntry>(entries: readonly K[], retentionSeconds: number, now: string) =>
  standingsOf(entries, retentionSeconds).filter((standing) => verifiesAt(standing, now));

/** Keys no passport can need any more: refused, and their files may go. Never the signing key. */
export const leftAt = <K extends SigningKeyEntry>(entries: readonly K[], retentionSeconds: number, now: string) =>
  standingsOf(entries, retentionSeconds).filter((standing) => !verifiesAt(standing, now));

/** The place of the next rotation's key: after every key present, so two rotations that race want the same one. */
export const nextSeq = (seqs: readonly number[]): number => seqs.reduce((highest, seq) => Math.max(highest, seq), -1) + 1;
