const moduleNameMapper = { '^@mandate/(.*)$': '<rootDir>/libs/$1/src' };
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const common = { rootDir: __dirname, testEnvironment: 'node', moduleNameMapper, transform, moduleFileExtensions: ['ts', 'js', 'json'] };
/** Suites that run in both topologies; the rest reach into the embedded data dir (tamper, replay CLI, durability). */
const DISTRIBUTED_SUITES = ['lifecycle', 'revocation-stream', 'intents', 'detectors', 'bad-input', 'intents-bad-input', 'detectors-bad-input', 'write-path'];
module.exports = {
  // End-to-end tests start real processes; unit specs finish in milliseconds either way.
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/test/int/**/*.int.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'] },
    // The same scenarios against four service processes on Kafka and PostgreSQL, behind the front door.
    {
      ...common,
      displayName: 'e2e-distributed',
      setupFiles: ['<rootDir>/test/e2e/support/distributed.setup.js'],
      testMatch: DISTRIBUTED_SUITES.map((suite) => `<rootDir>/test/e2e/${suite}.e2e.ts`).concat(['<rootDir>/test/distributed/**/*.e2e.ts']),
    },
  ],
};
