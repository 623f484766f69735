import type { CreatedTenantResponse } from '../generated/openapi.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

export class Tenants {
  constructor(private readonly t: Transport) {}

  /** A tenant and its first admin key, shown once (the instance admin's key only). */
  create(name: string, { signal }: Signal = {}): Promise<CreatedTenantResponse> {
    return this.t.send((init) => this.t.api.POST('/v1/tenants', { body: { name }, ...init }), { signal });
  }
}
