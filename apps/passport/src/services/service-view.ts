import { DomainError, SERVICE_NAME } from '@mandate/core';
import { currentVersion, RegisteredService, ServiceCatalogState, serviceOf } from '@mandate/credentials';
import { ServiceView } from './service.response';

/** A service as answers show it: its secrets by id, version and fingerprint only. */
export function serviceView(service: RegisteredService): ServiceView {
  return {
    name: service.name,
    hosts: service.hosts,
    internal_hosts: service.internalHosts,
    presentation: service.presentation,
    secrets: service.versions.map((v) => ({ secret_id: service.secretId, version: v.version, fingerprint: v.fingerprint, created_at: v.addedAt })),
    current_version: currentVersion(service)?.version ?? 0,
    registered_at: service.registeredAt,
  };
}

/** A name from a path: one that cannot be a service's is not found, without reading the store. */
export function checkedName(name: string): string {
  if (!SERVICE_NAME.test(name)) throw new DomainError('SERVICE_NOT_FOUND', 'no service has that name');
  return name;
}

export function registered(state: ServiceCatalogState, name: string): RegisteredService {
  const service = serviceOf(state, name);
  if (!service) throw new DomainError('SERVICE_NOT_FOUND', `service ${name} is not registered`);
  return service;
}
