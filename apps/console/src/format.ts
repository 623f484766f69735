import type { ActorView, AmountView } from './types';

/** 42 EUR as a person reads it (€42.00); a currency code Intl does not know is shown as sent. */
export function amountText(amount: AmountView | null | undefined): string {
  if (!amount) return 'none stated';
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: amount.currency }).format(amount.value);
  } catch {
    return `${amount.value} ${amount.currency}`;
  }
}

/** A time in UTC, to the second: the same text for every approver, wherever they sit. */
export function timeText(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "in 4 min 12 s", or "expired" once past. */
export function untilText(iso: string, now: number): string {
  const seconds = Math.floor((new Date(iso).getTime() - now) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds <= 0) return 'expired';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `in ${h > 0 ? `${h} h ` : ''}${h > 0 || m > 0 ? `${m} min ` : ''}${s} s`;
}

/** Who did something: "operator key_…", "detector scope_drift", "policy small-refunds". */
export const actorText = (actor: ActorView): string => `${actor.kind} ${actor.id}`;

/**
 * Invisible and direction-changing characters shown as \u escapes: in a URL or a body an approver must see every
 * character there is, and a right-to-left override could make `moc.evil` read as `live.com`.
 */
export const revealInvisible = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
