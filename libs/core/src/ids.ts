import { randomBytes, randomUUID } from 'crypto';

/** Prefixed, URL-safe identifiers (`agt_…`, `msn_…`) so a reader can tell what an id names. */
export const newId = (prefix: string, bytes = 12): string => `${prefix}_${randomBytes(bytes).toString('base64url')}`;
export const newEventId = (): string => randomUUID();
