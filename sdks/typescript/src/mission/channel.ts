import type { Client } from 'openapi-fetch';
import type { paths } from '../generated/openapi.js';
import type { Answer, AttemptInit, SendOptions } from '../transport.js';

/** The typed client with the mission's passport as the credential (a fresh DPoP proof per attempt). */
export interface PassportChannel {
  readonly api: Client<paths>;
  send<D>(call: (init: AttemptInit) => Promise<Answer<D>>, how?: Omit<SendOptions, 'auth'>): Promise<D>;
}
