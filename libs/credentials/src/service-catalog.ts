import { Decider, DomainError, DomainEvent } from '@mandate/core';
import { checkHosts } from './hosts';
import { checkPresentation, Presentation, PresentationRequest, samePresentation } from './presentation';

/**
 * A tenant's services: where each one's credential may be sent, how it is presented, and which versions of its secret
 * are active. The secrets themselves are never here: an event names a secret by id, version and fingerprint; its
 * ciphertext is kept beside the store (SecretStore) and is used only while the events say its version is active.
 */
export type ServiceCatalogEvent =
  | DomainEvent<'ServiceRegistered', { service: string; hosts: string[]; internalHosts: string[]; presentation: Presentation; secretId: string; at: string }>
  | DomainEvent<'ServiceChanged', { service: string; hosts: string[]; internalHosts: string[]; presentation: Presentation }>
  | DomainEvent<'ServiceSecretAdded', { service: string; secretId: string; version: number; fingerprint: string; at: string }>
  | DomainEvent<'ServiceSecretRemoved', { service: string; secretId: string; version: number }>
  | DomainEvent<'ServiceRemoved', { service: string; secretId: string }>;

export interface SecretVersion {
  version: number;
  fingerprint: string;
  addedAt: string;
}

export interface RegisteredService {
  name: string;
  hosts: string[];
  internalHosts: string[];
  presentation: Presentation;
  /** One id for all versions of this registration's secret; a service registered again gets a new one. */
  secretId: string;
  /** Active versions, oldest first; the newest is the one calls use. */
  versions: SecretVersion[];
  /** The highest version ever added, removed ones included: a version number is never reused. */
  lastVersion: number;
  registeredAt: string;
}

export interface ServiceCatalogState {
  services: Record<string, RegisteredService>;
}

export type ServiceCatalogCommand =
  | { type: 'RegisterService'; service: string; hosts: string[]; internalHosts: string[]; presentation: PresentationRequest; secretId: string; fingerprint: string; at: string }
  | { type: 'ChangeService'; service: string; hosts?: string[]; internalHosts?: string[]; presentation?: PresentationRequest }
  /** Rotation: `version` is above `lastVersion`, chosen (and its ciphertext kept) before deciding; a gap is a row that never got its event. */
  | { type: 'AddSecretVersion'; service: string; secretId: string; version: number; fingerprint: string; at: string }
  | { type: 'RemoveSecretVersion'; service: string; version: number }
  | { type: 'RemoveService'; service: string };

/** Service names come from requests: own entries only, never `constructor` or `__proto__`. */
export function serviceOf(state: ServiceCatalogState, name: string): RegisteredService | undefined {
  return Object.hasOwn(state.services, name) ? state.services[name] : undefined;
}

/** The version calls use: the newest active one. */
export const currentVersion = (service: RegisteredService): SecretVersion | undefined => service.versions[service.versions.length - 1];

const notFound = (service: string) => new DomainError('SERVICE_NOT_FOUND', `service ${service} is not registered`);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, i) => item === b[i]);

function withService(state: ServiceCatalogState, name: string, change: (service: RegisteredService) => RegisteredService | null): ServiceCatalogState {
  const service = serviceOf(state, name);
  if (!service) return state;
  const services = { ...state.services };
  const changed = change(service);
  if (changed) services[name] = changed;
  else delete services[name];
  return { services };
}

export const serviceCatalogDecider: Decider<ServiceCatalogCommand, ServiceCatalogEvent, ServiceCatalogState> = {
  initialState: { services: {} },

  evolve(state, event) {
    switch (event.type) {
      case 'ServiceRegistered': {
        const { service, hosts, internalHosts, presentation, secretId, at } = event.data;
        const registered: RegisteredService = { name: service, hosts, internalHosts, presentation, secretId, versions: [], lastVersion: 0, registeredAt: at };
        return { services: { ...state.services, [service]: registered } };
      }
      case 'ServiceChanged': {
        const { hosts, internalHosts, presentation } = event.data;
        return withService(state, event.data.service, (s) => ({ ...s, hosts, internalHosts, presentation }));
      }
      case 'ServiceSecretAdded': {
        const { secretId, version, fingerprint, at } = event.data;
        return withService(state, event.data.service, (s) =>
          s.secretId !== secretId ? s : { ...s, versions: [...s.versions, { version, fingerprint, addedAt: at }], lastVersion: Math.max(s.lastVersion, version) },
        );
      }
      case 'ServiceSecretRemoved': {
        const { secretId, version } = event.data;
        return withService(state, event.data.service, (s) => (s.secretId !== secretId ? s : { ...s, versions: s.versions.filter((v) => v.version !== version) }));
      }
      case 'ServiceRemoved':
        return withService(state, event.data.service, (s) => (s.secretId === event.data.secretId ? null : s));
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'RegisterService': {
        if (serviceOf(state, command.service)) throw new DomainError('SERVICE_EXISTS', `service ${command.service} is already registered: change it, or remove it first`);
        checkHosts(command.hosts, command.internalHosts);
        const { service, hosts, internalHosts, secretId, fingerprint, at } = command;
        return [
          { type: 'ServiceRegistered', data: { service, hosts, internalHosts, presentation: checkPresentation(command.presentation), secretId, at } },
          { type: 'ServiceSecretAdded', data: { service, secretId, version: 1, fingerprint, at } },
        ];
      }
      case 'ChangeService': {
        const service = serviceOf(state, command.service);
        if (!service) throw notFound(command.service);
        const hosts = command.hosts ?? service.hosts;
        const internalHosts = command.internalHosts ?? service.internalHosts;
        const presentation = command.presentation ? checkPresentation(command.presentation) : service.presentation;
        checkHosts(hosts, internalHosts);
        if (sameList(hosts, service.hosts) && sameList(internalHosts, service.internalHosts) && samePresentation(presentation, service.presentation)) return [];
        return [{ type: 'ServiceChanged', data: { service: service.name, hosts, internalHosts, presentation } }];
      }
      case 'AddSecretVersion': {
        const service = serviceOf(state, command.service);
        if (!service) throw notFound(command.service);
        // Another rotation (or a removal and new registration) came first: its ciphertext is not this one.
        if (service.secretId !== command.secretId || command.version <= service.lastVersion) {
          throw new DomainError('WRONG_EXPECTED_VERSION', `service ${command.service} changed while its secret was being added: send it again`);
        }
        const { secretId, version, fingerprint, at } = command;
        return [{ type: 'ServiceSecretAdded', data: { service: service.name, secretId, version, fingerprint, at } }];
      }
      case 'RemoveSecretVersion': {
        const service = serviceOf(state, command.service);
        if (!service) throw notFound(command.service);
        if (!service.versions.some((v) => v.version === command.version)) {
          throw new DomainError('SECRET_VERSION_NOT_FOUND', `service ${command.service} has no active secret version ${command.version}`);
        }
        // A service without a secret could only fail its calls: rotate by adding first, or remove the service.
        if (service.versions.length === 1) {
          throw new DomainError('LAST_SECRET_VERSION', `version ${command.version} is the only secret of service ${command.service}: add a new version first, or remove the service`);
        }
        return [{ type: 'ServiceSecretRemoved', data: { service: service.name, secretId: service.secretId, version: command.version } }];
      }
      case 'RemoveService': {
        const service = serviceOf(state, command.service);
        if (!service) throw notFound(command.service);
        return [{ type: 'ServiceRemoved', data: { service: service.name, secretId: service.secretId } }];
      }
    }
  },
};

/** All of a tenant's services in one stream: a list is one read, and changes to a tenant's services are ordered. */
export const serviceCatalogStream = (tenantId: string) => `services-${tenantId}`;
