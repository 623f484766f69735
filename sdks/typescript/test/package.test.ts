/**
 * The built package as a user installs it: resolved by its name through the `exports` conditions, from CommonJS
 * (`require`) and from ES modules (`import`) in plain Node, each build loading its dependencies and talking to a real
 * Mandate; and its type declarations, checked from both kinds of TypeScript module.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MandateProcess } from '../../../test/e2e/support/server';
import { VERSION } from '../src';
import { tempDir } from './support/world';

const SDK = path.join(__dirname, '..');
let server: MandateProcess;
/** A project that depends on the SDK: node_modules/@mandate/sdk is the package directory. */
let consumer: string;

beforeAll(async () => {
  server = await MandateProcess.startEmbedded();
  execFileSync(process.execPath, [path.join(SDK, 'scripts', 'build.js')], { cwd: SDK, stdio: 'pipe' });
  consumer = tempDir('mandate-sdk-consumer-');
  fs.mkdirSync(path.join(consumer, 'node_modules', '@mandate'), { recursive: true });
  fs.symlinkSync(SDK, path.join(consumer, 'node_modules', '@mandate', 'sdk'), 'dir');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (consumer) fs.rmSync(consumer, { recursive: true, force: true });
});

/** What each build is asked to do: construct, sign with jose, and ask the real server about a token. */
const probe = (sdk: string) => `
  const { Mandate, AgentKey, PassportRevoked, Unauthenticated, VERSION } = ${sdk};
  const key = AgentKey.generate('agt_probe');
  const mandate = new Mandate({ baseUrl: process.argv[2] });
  Promise.all([key.proof('GET', 'http://mandate.test/v1/agents?x=1', 'token'), mandate.passports.verify('not-a-passport')]).then(([proof, verified]) =>
    console.log(JSON.stringify({
      version: VERSION,
      proofParts: proof.split('.').length,
      family: new PassportRevoked(401, { code: 'PASSPORT_REVOKED' }) instanceof Unauthenticated,
      verified,
    })));
`;

function run(file: string, source: string): Record<string, unknown> {
  fs.writeFileSync(path.join(consumer, file), source);
  return JSON.parse(execFileSync(process.execPath, [file, server.url], { cwd: consumer, encoding: 'utf8' }));
}

it.each([
  ['CommonJS', 'probe.cjs', "require('@mandate/sdk')"],
  ['ES modules', 'probe.mjs', "await import('@mandate/sdk')"],
])('given the built package, when %s loads it by name, then it works end to end', (_kind, file, load) => {
  const source = file.endsWith('.mjs') ? probe(load) : `(async () => { ${probe(load)} })();`;
  expect(run(file, source)).toEqual({ version: VERSION, proofParts: 3, family: true, verified: { active: false, reason: 'invalid' } });
});

/** The LangChain.js integration, by its subpath: each piece made, and a URL template filled, with no server needed. */
const langchainProbe = (lc: string) => `
  const { MandateCallbackHandler, mandateMiddleware, mandateTool, proxiedTool, httpCall } = ${lc};
  const mission = {}; // only its identity is used until a tool runs
  const tool = proxiedTool(mission, { name: 'get_ticket', description: 'Read a ticket', service: 'tickets', url: 'https://t.example/tickets/{id}' });
  console.log(JSON.stringify({
    middleware: mandateMiddleware(mission).name,
    handler: new MandateCallbackHandler(mission).name,
    tool: [tool.name, tool.metadata.mandate.service, mandateTool(tool, { service: 'crm' }).metadata.mandate.service],
    url: httpCall('GET', 'https://t.example/tickets/{id}', { id: 'T 1', q: 'a' }).url,
  }));
`;

it.each([
  ['CommonJS', 'langchain.cjs', "require('@mandate/sdk/langchain')"],
  ['ES modules', 'langchain.mjs', "await import('@mandate/sdk/langchain')"],
])('given the built package, when %s loads @mandate/sdk/langchain by name, then its middleware, handler and tools are made', (_kind, file, load) => {
  expect(run(file, langchainProbe(load))).toEqual({
    middleware: 'MandateMiddleware',
    handler: 'MandateCallbackHandler',
    tool: ['get_ticket', 'tickets', 'crm'],
    url: 'https://t.example/tickets/T%201?q=a',
  });
});

it('given the built declarations, when a CommonJS and an ES module TypeScript project use the SDK, then they type-check, and a call the contract does not allow does not', () => {
  // given
  const use = `
    const mandate = new sdk.Mandate({ agentId: 'agt_1', keyDir: '/tmp/keys', enrollmentToken: 'mdt_enroll.x' });
    export async function work(): Promise<number> {
      await using mission = await mandate.mission({ intent: 'triage', services: ['slack'], checkpointInterval: '5m' });
      const answer = await mission.proxy({ service: 'slack', url: 'https://slack.com/api/chat.postMessage', method: 'POST', body: {} });
      // @ts-expect-error not a method the proxy accepts
      await mission.proxy({ service: 'slack', url: 'https://slack.com', method: 'FETCH' });
      // @ts-expect-error not an accountability mode
      await new sdk.Mandate({ apiKey: 'k' }).agents.register('bot', { accountabilityMode: 'strict' });
      const revoked: sdk.Unauthenticated = new sdk.PassportRevoked(401, { code: 'PASSPORT_REVOKED' });
      const view: sdk.models.PassportView | undefined = undefined;
      return answer.status + revoked.status + (view ? 1 : 0);
    }
    export function wire(mission: sdk.Mission) {
      const tool = lc.proxiedTool(mission, { name: 'refund', description: 'Refund', service: 'stripe', method: 'POST', url: 'https://api.stripe.com/v1/refunds', namedIntent: 'stripe:refunds:create' });
      // @ts-expect-error not an approval mode
      lc.mandateMiddleware(mission, { approval: 'later' });
      const refusal: sdk.MandateError | undefined = lc.mandateErrorOf(new Error('x'));
      return [lc.mandateMiddleware(mission, { approval: 'interrupt', scopes: { search: 'serp' } }), new lc.MandateCallbackHandler(mission), tool, refusal] as const;
    }
  `;
  fs.writeFileSync(path.join(consumer, 'use.mts'), `import * as sdk from '@mandate/sdk';\nimport * as lc from '@mandate/sdk/langchain';\n${use}`);
  fs.writeFileSync(path.join(consumer, 'use.cts'), `import sdk = require('@mandate/sdk');\nimport lc = require('@mandate/sdk/langchain');\n${use}`);
  const tsconfig = {
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      lib: ['ES2022', 'esnext.disposable'],
      strict: true,
      noEmit: true,
      // The consumer's code is checked against the declarations; checking the declarations' own insides (the
      // generated contract, twice) would triple the time and is the SDK's own type check's job.
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(SDK, 'node_modules', '@types')],
    },
    files: ['use.mts', 'use.cts'],
  };
  fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig));
  // when / then: tsc exits non-zero (and execFileSync throws with its messages) on any error
  execFileSync(process.execPath, [path.join(SDK, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], { cwd: consumer, encoding: 'utf8' });
});

it("given the package's manifest, when the SDK says its version, then it is the manifest's", () => {
  expect(VERSION).toBe(JSON.parse(fs.readFileSync(path.join(SDK, 'package.json'), 'utf8')).version);
});
