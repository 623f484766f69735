import 'reflect-metadata';
import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AuditModule } from '../../audit/src/audit.module';
import { DetectorModule } from '../../detector/src/detector.module';
import { ExpirySweep } from '../../intent/src/expiring/expire-intent.handler';
import { IntentModule } from '../../intent/src/intent.module';
import { RevokeCommandApplier } from '../../passport/src/revoke-command-applier';
import { PassportModule } from '../../passport/src/passport.module';
import { DetectorRunner } from '../../detector/src/runner/detector-runner';
import { serviceFor, ServiceName } from '../../gateway/src/routes';
import { MandateModule } from './mandate.module';

const SERVICES: Record<ServiceName, Type<unknown>> = { passport: PassportModule, intent: IntentModule, detector: DetectorModule, audit: AuditModule };

/** A module with everything it imports: what one process built from it contains (Nest builds a module once, however often it is imported). */
function closure(module: Type<unknown>, key: 'controllers' | 'providers', seen = new Set<Type<unknown>>()): Type<unknown>[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const own: Type<unknown>[] = Reflect.getMetadata(key, module) ?? [];
  const imported: Type<unknown>[] = Reflect.getMetadata('imports', module) ?? [];
  return [...own, ...imported.filter((m) => typeof m === 'function').flatMap((m) => closure(m, key, seen))];
}

/** "POST /v1/intents/:intentId/consume": each route a module's controllers map. */
function routesOf(module: Type<unknown>): string[] {
  return closure(module, 'controllers').flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '').replace(/^\/|\/$/g, '');
    return Object.getOwnPropertyNames(controller.prototype)
      .map((name) => controller.prototype[name])
      .filter((handler) => typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler))
      .map((handler) => {
        const path = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '').replace(/^\/|\/$/g, '');
        return `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler)]} /${[base, path].filter(Boolean).join('/')}`;
      });
  });
}

describe('each process maps only its own routes and runs only its own timers', () => {
  const routes = Object.fromEntries(Object.entries(SERVICES).map(([name, module]) => [name, routesOf(module)])) as Record<ServiceName, string[]>;

  it.each(Object.keys(SERVICES) as ServiceName[])('given the %s service, then every route it maps is one the front door sends to it', (service) => {
    expect(routes[service].length).toBeGreaterThan(3);
    const elsewhere = routes[service].filter((route) => {
      const [method, path] = route.split(' ');
      return serviceFor(method, path.replace(/:[A-Za-z]+/g, 'x')) !== service;
    });
    expect(elsewhere).toEqual([]);
  });

  it('given the four services, then no route is mapped by two of them, and together they are the all-in-one app', () => {
    const all = Object.values(routes).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(routesOf(MandateModule).sort()).toEqual([...all].sort());
  });

  it('given the routes of the passport and intent services, then they are what each owns (a listing a reviewer can read)', () => {
    expect(routes.intent.sort()).toEqual([
      'GET /v1/intents',
      'GET /v1/intents/:intentId',
      'GET /v1/intents/stream',
      'GET /v1/policies/intents',
      'POST /v1/intents',
      'POST /v1/intents/:intentId/approve',
      'POST /v1/intents/:intentId/consume',
      'POST /v1/intents/:intentId/reject',
      'POST /v1/intents/simulate',
      'POST /v1/policies/intents/simulate',
      'PUT /v1/policies/intents',
    ]);
    expect(routes.passport.filter((r) => r.includes('/v1/intents'))).toEqual([]);
  });

  it.each<[string, Type<unknown>, ServiceName]>([
    ['the intent expiry sweep', ExpirySweep, 'intent'],
    ['the detectors and their clock', DetectorRunner, 'detector'],
    ['the revoke-command consumer', RevokeCommandApplier, 'passport'],
  ])('given %s, then exactly one service runs it', (_name, provider, owner) => {
    const runners = (Object.keys(SERVICES) as ServiceName[]).filter((service) => closure(SERVICES[service], 'providers').includes(provider));
    expect(runners).toEqual([owner]);
  });
});
