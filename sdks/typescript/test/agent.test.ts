/**
 * The agent's runtime and its identity: a key made on the first run and kept in a 0600 file (the Python SDK's
 * shape), enrolled once with a one-time token, reused by the next run; no operator key in an agent's process.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AgentKey, CeilingExceeded, ConfigurationError, EnrollmentRefused, Mandate, Unauthenticated } from '../src';
import { newTenant, startWorld, stopWorld, tempDir, Tenant, World } from './support/world';

let world: World;
let tenant: Tenant;

beforeAll(async () => {
  world = await startWorld();
  tenant = await newTenant(world, 'agents');
});

afterAll(() => stopWorld(world));

async function registered(services = ['echo']): Promise<{ agentId: string; token: string }> {
  const agent = await tenant.operator.agents.register('triage-bot', { accountabilityMode: 'logged', allowedServices: services });
  const { token } = await tenant.operator.agents.enrollmentToken(agent.id);
  return { agentId: agent.id, token };
}

it("given a one-time token, when the agent's runtime first enrolls, then its new key is saved 0600 in <keyDir>/<agentId>.json with the Python SDK's fields and enrolled; the next run reuses it without a token", async () => {
  // given
  const { agentId, token } = await registered();
  const keyDir = path.join(tempDir('mandate-sdk-keys-'), 'nested');
  // when
  const firstRun = new Mandate({ baseUrl: world.server.url, agentId, keyDir, enrollmentToken: token });
  const key = await firstRun.enroll();
  // then
  const file = path.join(keyDir, `${agentId}.json`);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(Object.keys(saved).sort()).toEqual(['agent_id', 'issuer', 'key_id', 'private_key', 'tenant_id']);
  expect(saved).toMatchObject({ agent_id: agentId, key_id: key.keyId, tenant_id: tenant.id, private_key: expect.stringContaining('BEGIN PRIVATE KEY') });
  expect(JSON.stringify(key)).not.toContain('PRIVATE KEY');
  const enrolled = await tenant.operator.agents.keys(agentId);
  expect(enrolled.keys.map((k) => k.key_id)).toEqual([key.keyId]);

  // when: a second run of the agent, with no token this time
  const secondRun = new Mandate({ baseUrl: world.server.url, agentId, keyDir });
  const jti = await secondRun.withMission({ intent: 'second run', services: ['echo'] }, (m) => m.jti);
  // then: the same key, bound to the mission; nothing enrolled again
  expect(secondRun.key!.keyId).toBe(key.keyId);
  expect((await tenant.operator.passports.get(jti)).bound_key).toBe(key.keyId);
  expect((await tenant.operator.agents.keys(agentId)).keys).toHaveLength(1);
});

it('given a used enrollment token, when another runtime enrolls with it, then EnrollmentRefused (ENROLLMENT_TOKEN_USED) is thrown and no key is enrolled', async () => {
  // given
  const { agentId, token } = await registered();
  await new Mandate({ baseUrl: world.server.url, agentId, keyDir: tempDir('mandate-sdk-keys-'), enrollmentToken: token }).enroll();
  // when
  const reused = new Mandate({ baseUrl: world.server.url, agentId, keyDir: tempDir('mandate-sdk-keys-'), enrollmentToken: token });
  const error = await reused.enroll().catch((e: unknown) => e);
  // then
  expect(error).toBeInstanceOf(EnrollmentRefused);
  expect(error).toBeInstanceOf(Unauthenticated);
  expect(error).toMatchObject({ status: 409, code: 'ENROLLMENT_TOKEN_USED' });
  expect((await tenant.operator.agents.keys(agentId)).keys).toHaveLength(1);
});

it("given an agent id, when an operator key is passed too, then the runtime refuses to be made; with no key file and no token, the first mission says how to get one", async () => {
  const { agentId } = await registered();
  expect(() => new Mandate({ baseUrl: world.server.url, agentId, apiKey: tenant.adminKey })).toThrow(ConfigurationError);
  const tokenless = new Mandate({ baseUrl: world.server.url, agentId, keyDir: tempDir('mandate-sdk-keys-') });
  await expect(tokenless.mission({ intent: 'x', services: ['echo'] })).rejects.toThrow(/enrollment token/);
  // An operator's client has no agent to enroll.
  await expect(tenant.operator.enroll()).rejects.toBeInstanceOf(ConfigurationError);
});

it('given a key file others can read, when the runtime loads it, then it refuses it instead of using a key that may have leaked', async () => {
  // given
  const { agentId, token } = await registered();
  const keyDir = tempDir('mandate-sdk-keys-');
  await new Mandate({ baseUrl: world.server.url, agentId, keyDir, enrollmentToken: token }).enroll();
  fs.chmodSync(path.join(keyDir, `${agentId}.json`), 0o644);
  // when / then
  expect(() => AgentKey.load(agentId, keyDir)).toThrow(/readable by others \(mode 644\)/);
  await expect(new Mandate({ baseUrl: world.server.url, agentId, keyDir }).enroll()).rejects.toBeInstanceOf(ConfigurationError);
});

it("given an agent's ceiling, when the agent asks for a mission beyond it, then CeilingExceeded is thrown with what was exceeded", async () => {
  // given
  const agent = await tenant.agent({ services: ['echo'] });
  // when
  const error = await agent.mission({ intent: 'refund everything', services: ['echo', 'stripe'] }).catch((e: unknown) => e);
  // then
  expect(error).toBeInstanceOf(CeilingExceeded);
  expect(error).toMatchObject({ status: 403, code: 'AGENT_CEILING_EXCEEDED', problem: { exceeded: ['services'] } });
});

/** The Python SDK's environment (scripts/sdk-venv.sh makes it; `npm test` and CI have it), for the shared key dir. */
const ROOT = path.join(__dirname, '..', '..', '..');
const PYTHON = path.join(process.env.MANDATE_SDK_VENV ?? path.join(ROOT, '.cache', 'sdk-venv'), 'bin', 'python');
const python = (...args: string[]) =>
  JSON.parse(
    execFileSync(PYTHON, ['-c', PYTHON_KEYS, ...args], { env: { ...process.env, PYTHONPATH: path.join(ROOT, 'sdks', 'python', 'src') }, encoding: 'utf8' }),
  );
const PYTHON_KEYS = `
import json, sys
from pathlib import Path
from mandate._keys import AgentKey
mode, agent_id, key_dir = sys.argv[1:4]
key = AgentKey.generate(agent_id) if mode == "write" else AgentKey.load(agent_id, Path(key_dir))
if mode == "write":
    key.issuer, key.tenant_id = "http://issuer.test", "ten_py"
    key.save(Path(key_dir))
print(json.dumps({"key_id": key.thumbprint, "issuer": key.issuer, "tenant_id": key.tenant_id}))
`;

(fs.existsSync(PYTHON) ? it : it.skip)('given one key dir, when the Python SDK and this one each read the key the other wrote, then they see the same key, issuer and tenant', () => {
  // given
  const keyDir = tempDir('mandate-sdk-shared-keys-');
  const fromPython = python('write', 'agt_python', keyDir);
  const fromTypeScript = AgentKey.generate('agt_typescript');
  fromTypeScript.issuer = 'http://issuer.test';
  fromTypeScript.tenantId = 'ten_ts';
  fromTypeScript.save(keyDir);
  // when
  const readHere = AgentKey.load('agt_python', keyDir)!;
  const readThere = python('read', 'agt_typescript', keyDir);
  // then
  expect({ key_id: readHere.keyId, issuer: readHere.issuer, tenant_id: readHere.tenantId }).toEqual(fromPython);
  expect(readThere).toEqual({ key_id: fromTypeScript.keyId, issuer: 'http://issuer.test', tenant_id: 'ten_ts' });
});
