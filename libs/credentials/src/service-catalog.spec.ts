import { fold, specFor } from '@mandate/core';
import { currentVersion, ServiceCatalogEvent, serviceCatalogDecider, serviceOf } from './service-catalog';

const spec = specFor(serviceCatalogDecider);
const at = '2026-11-29T20:00:00.000Z';
const later = '2026-11-29T21:00:00.000Z';
const registered: ServiceCatalogEvent[] = [
  { type: 'ServiceRegistered', data: { service: 'stripe', hosts: ['api.stripe.com'], internalHosts: [], presentation: { kind: 'bearer' }, secretId: 'sec_1', at } },
  { type: 'ServiceSecretAdded', data: { service: 'stripe', secretId: 'sec_1', version: 1, fingerprint: 'f1', at } },
];
const rotated: ServiceCatalogEvent[] = [...registered, { type: 'ServiceSecretAdded', data: { service: 'stripe', secretId: 'sec_1', version: 2, fingerprint: 'f2', at: later } }];
const register = { type: 'RegisterService' as const, service: 'stripe', hosts: ['api.stripe.com'], internalHosts: [], presentation: { kind: 'bearer' as const }, secretId: 'sec_1', fingerprint: 'f1', at };

describe('services and their secrets', () => {
  it('given nothing, when a service is registered, then it and its first secret version are recorded, no secret in either', () =>
    spec([]).when(register).then(registered));

  it('given a service, when it is registered again, then SERVICE_EXISTS', () => spec(registered).when({ ...register, secretId: 'sec_2' }).thenThrows('SERVICE_EXISTS'));

  it('given nothing, when a service names a wildcard host or an internal host outside its hosts, then INVALID_HOST', () => {
    spec([]).when({ ...register, hosts: ['*.stripe.com'] }).thenThrows('INVALID_HOST');
    spec([]).when({ ...register, internalHosts: ['vault'] }).thenThrows('INVALID_HOST');
  });

  it('given nothing, when a header presentation has no name or names a header the proxy manages, then VALIDATION_FAILED', () => {
    spec([]).when({ ...register, presentation: { kind: 'header' } as never }).thenThrows('VALIDATION_FAILED');
    spec([]).when({ ...register, presentation: { kind: 'header', name: 'Host' } }).thenThrows('VALIDATION_FAILED');
    spec([]).when({ ...register, presentation: { kind: 'bearer', name: 'x' } as never }).thenThrows('VALIDATION_FAILED');
  });

  it('given a service, when its hosts and presentation change, then ServiceChanged carries the whole new shape', () =>
    spec(registered)
      .when({ type: 'ChangeService', service: 'stripe', hosts: ['api.stripe.com', 'vault'], internalHosts: ['vault'], presentation: { kind: 'basic' } })
      .then([{ type: 'ServiceChanged', data: { service: 'stripe', hosts: ['api.stripe.com', 'vault'], internalHosts: ['vault'], presentation: { kind: 'basic' } } }]));

  it('given a service, when it is changed to what it already is, then nothing new happens', () =>
    spec(registered).when({ type: 'ChangeService', service: 'stripe', hosts: ['api.stripe.com'], presentation: { kind: 'bearer' } }).then([]));

  it('given an internal host, when the hosts change without it, then INVALID_HOST (internal hosts stay among the hosts)', () =>
    spec([...registered, { type: 'ServiceChanged', data: { service: 'stripe', hosts: ['api.stripe.com', 'vault'], internalHosts: ['vault'], presentation: { kind: 'bearer' } } }])
      .when({ type: 'ChangeService', service: 'stripe', hosts: ['api.stripe.com'] })
      .thenThrows('INVALID_HOST'));

  it('given no service, when it is changed, rotated, or removed, then SERVICE_NOT_FOUND', () => {
    spec([]).when({ type: 'ChangeService', service: 'stripe', hosts: ['a.com'] }).thenThrows('SERVICE_NOT_FOUND');
    spec([]).when({ type: 'AddSecretVersion', service: 'stripe', secretId: 'sec_1', version: 2, fingerprint: 'f', at }).thenThrows('SERVICE_NOT_FOUND');
    spec([]).when({ type: 'RemoveSecretVersion', service: 'stripe', version: 1 }).thenThrows('SERVICE_NOT_FOUND');
    spec([]).when({ type: 'RemoveService', service: 'stripe' }).thenThrows('SERVICE_NOT_FOUND');
  });

  it.each(['constructor', '__proto__', 'toString'])('given services, when "%s" is removed, then SERVICE_NOT_FOUND: object members are not services', (service) =>
    spec(registered).when({ type: 'RemoveService', service }).thenThrows('SERVICE_NOT_FOUND'));

  it('given a service, when a secret version is added, then the newest is the one calls use and the old one stays active', () => {
    spec(registered).when({ type: 'AddSecretVersion', service: 'stripe', secretId: 'sec_1', version: 2, fingerprint: 'f2', at: later }).then([rotated[2]]);
    const stripe = serviceOf(fold(serviceCatalogDecider, rotated), 'stripe')!;
    expect(stripe.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(currentVersion(stripe)).toEqual({ version: 2, fingerprint: 'f2', addedAt: later });
  });

  it('given a rotation that came first, when another adds the same version or names an old secret id, then WRONG_EXPECTED_VERSION', () => {
    spec(rotated).when({ type: 'AddSecretVersion', service: 'stripe', secretId: 'sec_1', version: 2, fingerprint: 'f', at }).thenThrows('WRONG_EXPECTED_VERSION');
    spec(rotated).when({ type: 'AddSecretVersion', service: 'stripe', secretId: 'sec_old', version: 3, fingerprint: 'f', at }).thenThrows('WRONG_EXPECTED_VERSION');
  });

  it('given two versions, when the newest is removed, then the older one is used again; the last one cannot be removed', () => {
    const removed: ServiceCatalogEvent = { type: 'ServiceSecretRemoved', data: { service: 'stripe', secretId: 'sec_1', version: 2 } };
    spec(rotated).when({ type: 'RemoveSecretVersion', service: 'stripe', version: 2 }).then([removed]);
    expect(currentVersion(serviceOf(fold(serviceCatalogDecider, [...rotated, removed]), 'stripe')!)?.version).toBe(1);
    spec([...rotated, removed]).when({ type: 'RemoveSecretVersion', service: 'stripe', version: 1 }).thenThrows('LAST_SECRET_VERSION');
  });

  it('given a removed version, when it is removed again, then SECRET_VERSION_NOT_FOUND; a version never added, the same', () => {
    const removed: ServiceCatalogEvent = { type: 'ServiceSecretRemoved', data: { service: 'stripe', secretId: 'sec_1', version: 1 } };
    spec([...rotated, removed]).when({ type: 'RemoveSecretVersion', service: 'stripe', version: 1 }).thenThrows('SECRET_VERSION_NOT_FOUND');
    spec(rotated).when({ type: 'RemoveSecretVersion', service: 'stripe', version: 7 }).thenThrows('SECRET_VERSION_NOT_FOUND');
  });

  it('given a version number whose ciphertext was kept but whose event never came, when the one after it is added, then the gap is accepted', () =>
    spec(rotated).when({ type: 'AddSecretVersion', service: 'stripe', secretId: 'sec_1', version: 4, fingerprint: 'f4', at }).then([
      { type: 'ServiceSecretAdded', data: { service: 'stripe', secretId: 'sec_1', version: 4, fingerprint: 'f4', at } },
    ]));

  it('given a removed version, when the next one is added, then its number is not reused', () => {
    const removed: ServiceCatalogEvent = { type: 'ServiceSecretRemoved', data: { service: 'stripe', secretId: 'sec_1', version: 2 } };
    spec([...rotated, removed]).when({ type: 'AddSecretVersion', service: 'stripe', secretId: 'sec_1', version: 2, fingerprint: 'f', at }).thenThrows('WRONG_EXPECTED_VERSION');
    spec([...rotated, removed]).when({ type: 'AddSecretVersion', service: 'stripe', secretId: 'sec_1', version: 3, fingerprint: 'f3', at }).then([
      { type: 'ServiceSecretAdded', data: { service: 'stripe', secretId: 'sec_1', version: 3, fingerprint: 'f3', at } },
    ]);
  });

  it('given a service, when it is removed, then it is gone at once and may be registered again with a new secret id', () => {
    const removed: ServiceCatalogEvent = { type: 'ServiceRemoved', data: { service: 'stripe', secretId: 'sec_1' } };
    spec(rotated).when({ type: 'RemoveService', service: 'stripe' }).then([removed]);
    expect(serviceOf(fold(serviceCatalogDecider, [...rotated, removed]), 'stripe')).toBeUndefined();
    spec([...rotated, removed]).when({ ...register, secretId: 'sec_2' }).then((events) => expect(events.map((e) => e.type)).toEqual(['ServiceRegistered', 'ServiceSecretAdded']));
  });

  it('given any decision, then no event data has a field that could hold a secret value', () => {
    const events = [...rotated, { type: 'ServiceRemoved', data: { service: 'stripe', secretId: 'sec_1' } }];
    const fields = new Set(events.flatMap((e) => Object.keys(e.data)));
    expect([...fields].filter((f) => /secret$|value|ciphertext|key$/i.test(f) && f !== 'secretId')).toEqual([]);
  });
});
