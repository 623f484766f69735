const moduleNameMapper = { '^@mandate/(.*)$': '<rootDir>/libs/$1/src' };
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const common = { rootDir: __dirname, testEnvironment: 'node', moduleNameMapper, transform, moduleFileExtensions: ['ts', 'js', 'json'] };
/** Suites that run in both topologies; the rest reach into the embedded data dir (tamper, replay CLI, durability). */
const DISTRIBUTED_SUITES = ['lifecycle', 'revocation-stream', 'intents', 'detectors', 'bad-input', 'intents-bad-input', 'detectors-bad-input', 'write-path', 'parser-errors', 'refusals', 'key-verifiers', 'connections', 'rate-limits', 'stream-limits', 'services', 'proxy', 'proxy-detectors', 'agent-identity', 'signing-keys', 'console', 'policy-simulation', 'console-policy', 'queue-and-missions', 'console-missions'];
module.exports = {
  // End-to-end tests start real processes; unit specs finish in milliseconds either way. The limit holds for every
  // hook too, so a clean-up that hangs fails its suite after a minute instead of holding the run.
  testTimeout: 60000,
  // When the last suite is done the run ends, even if a failed suite left a client or a process behind (the harness
  // kills the processes it started as Jest exits, and they exit by themselves when their parent is gone).
  forceExit: true,
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
    // The TypeScript SDK (sdks/typescript) against a real Mandate it starts on loopback. Its sources import each other
    // with the `.js` extension their ES module build needs; under ts-jest that names the `.ts` file beside it.
    {
      ...common,
      displayName: 'sdk-typescript',
      testMatch: ['<rootDir>/sdks/typescript/test/**/*.test.ts'],
      moduleNameMapper: { ...moduleNameMapper, '^(\\.{1,2}/.*)\\.js$': '$1' },
    },
  ],
};
