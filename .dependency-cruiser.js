// The dependency rules of issue 9, checked by `npm run lint:deps` (part of `npm test`): services do not reach into each
// other, libs do not reach into services, and the domain libs stay pure.
// Specs may look anywhere (a topology spec reads every service's routes); the rules are about what ships.
const SPEC = '\\.spec\\.ts$';
// libs/proxy is among them: its upstream client (undici) is no framework, store or broker.
const PURE_LIBS = '^libs/(core|agents|missions|intents|tenancy|credentials|audit|detectors|events|proxy)/';
const SERVICES = '(passport|intent|detector|audit)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-app-import',
      comment: 'A service never imports another service: what two share lives in libs/.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: ['^apps/mandate/', SPEC] },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'composition-root-imports-only-service-modules',
      comment: 'apps/mandate is the all-in-one composition root: it imports the four services through their modules, nothing more.',
      severity: 'error',
      from: { path: '^apps/mandate/', pathNot: SPEC },
      to: { path: '^apps/', pathNot: ['^apps/mandate/', `^apps/${SERVICES}/src/[^/]+\\.module\\.ts$`] },
    },
    {
      name: 'no-lib-imports-app',
      comment: 'Libraries are shared by the services; a library that imports a service would make that service a library.',
      severity: 'error',
      from: { path: '^libs/', pathNot: SPEC },
      to: { path: '^apps/' },
    },
    {
      name: 'pure-lib-imports-no-framework-or-driver',
      comment: 'Domain libs are deciders, evolvers and projections: no NestJS, no database or broker driver, so they run anywhere, replays included.',
      severity: 'error',
      from: { path: PURE_LIBS, pathNot: SPEC },
      to: { path: '^node_modules/(@nestjs/|pg/|pg-[^/]+/|kafkajs/|better-sqlite3/|@eventstore/)' },
    },
    {
      name: 'upstream-calls-only-through-proxy-lib',
      comment: 'Calls to services outside go through libs/proxy, where every address is checked at connect time: no second way out.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: ['^libs/proxy/', SPEC] },
      to: { path: '(^|/)node_modules/undici/' },
    },
  ],
  options: {
    exclude: { path: '(^|/)dist/' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports couple as much as value imports do, even though tsc erases them.
    tsPreCompilationDeps: true,
    // Resolves the @mandate/<lib> aliases of tsconfig.json's paths to libs/<lib>/src.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
