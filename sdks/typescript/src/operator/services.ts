import type { PresentationDto, RemovedServiceResponse, ServiceListResponse, ServiceWriteResponse } from '../generated/openapi.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

export interface RegisterService extends Signal {
  hosts: string[];
  /** Write-only: it is never answered back. */
  secret: string;
  /** How the proxy presents the secret upstream; a bearer token unless said. */
  presentation?: PresentationDto;
  /** Hosts on a private network the proxy may reach for this service (loopback and LAN addresses are refused otherwise). */
  internalHosts?: string[];
}

/** The services the credential proxy may call, with their secret. */
export class Services {
  constructor(private readonly t: Transport) {}

  register(name: string, { hosts, secret, presentation = { kind: 'bearer' }, internalHosts, signal }: RegisterService): Promise<ServiceWriteResponse> {
    const body = { name, hosts, internal_hosts: internalHosts, presentation, secret };
    return this.t.send((init) => this.t.api.POST('/v1/services', { body, ...init }), { signal });
  }

  list({ signal }: Signal = {}): Promise<ServiceListResponse> {
    return this.t.send((init) => this.t.api.GET('/v1/services', init), { signal });
  }

  remove(name: string, { signal }: Signal = {}): Promise<RemovedServiceResponse> {
    return this.t.send((init) => this.t.api.DELETE('/v1/services/{name}', { params: { path: { name } }, ...init }), { signal });
  }
}
