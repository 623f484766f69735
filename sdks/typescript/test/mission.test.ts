/**
 * The mission block against a real Mandate: a passport bound to the agent's key, calls logged in the background,
 * checkpoints on time (refreshing the token in enforced mode), checkout on the way out with the error as the failure
 * summary, and a revoked passport surfacing as `PassportRevoked` at the next call.
 */
import type { models } from '../src';
import { ConfigurationError, KeyRevoked, Mandate, Mission, OutOfScope, PassportRevoked, ProofRefused, ProxyRefused, Unauthenticated } from '../src';
import { Door } from './support/door';
import { keptLogger, newTenant, SECRET, startWorld, stopWorld, Tenant, World } from './support/world';

let world: World;
let tenant: Tenant;
const echo = () => `${world.upstream.origin}/echo`;
const mission = { intent: 'answer support tickets', services: ['echo'] };

beforeAll(async () => {
  world = await startWorld();
  tenant = await newTenant(world, 'missions');
});

afterAll(() => stopWorld(world));

/** Resolves with the first `count` checkpoints a mission reports (an event the mission raises, not a timer); `seen` keeps every one. */
function checkpoints(count: number): {
  onCheckpoint: (answer: models.CheckpointResponse) => void;
  reached: Promise<models.CheckpointResponse[]>;
  seen: models.CheckpointResponse[];
} {
  const seen: models.CheckpointResponse[] = [];
  let reach!: (answers: models.CheckpointResponse[]) => void;
  const reached = new Promise<models.CheckpointResponse[]>((resolve) => (reach = resolve));
  return { onCheckpoint: (answer) => (seen.push(answer), seen.length === count && reach([...seen])), reached, seen };
}

it('given an enrolled agent, when it runs a mission with withMission, then the passport is bound to its key, its calls are recorded and the mission is checked out as a success', async () => {
  // given
  const agent = await tenant.agent();
  // when
  const jti = await agent.withMission(mission, async (m) => {
    m.log({ service: 'echo', action: 'read ticket 4821', target: 'ticket:4821' });
    const answer = await m.proxy({ service: 'echo', url: `${echo()}?ticket=4821`, method: 'POST', body: { text: 'ack' } });
    expect(answer).toMatchObject({ ok: true, status: 200, body_encoding: 'json', call_id: expect.stringMatching(/^pc_/) });
    expect(answer.body).toEqual({ authorized: true, method: 'POST', path: '/echo?ticket=4821', body: '{"text":"ack"}' });
    return m.jti;
  });
  // then
  const view = await tenant.operator.passports.get(jti);
  expect(view.bound_key).toBe(agent.key!.keyId);
  expect(view).toMatchObject({ status: 'checked_out', actions_logged: 1, calls_observed: 1, checked_out: { outcome: 'success' } });
  const arrived = await world.upstream.arrival((r) => r.path === '/echo?ticket=4821');
  expect(arrived.headers.authorization).toBe(`Bearer ${SECRET}`);
});

it('given a mission whose work throws, when withMission ends, then the error propagates unchanged and the mission is checked out as a failure with the error as its summary', async () => {
  // given
  const agent = await tenant.agent();
  const failure = new RangeError('the ticket queue is gone');
  let jti = '';
  // when
  const outcome = agent.withMission(mission, async (m) => {
    jti = m.jti;
    m.log({ service: 'echo', action: 'list tickets' });
    throw failure;
  });
  // then
  await expect(outcome).rejects.toBe(failure);
  const view = await tenant.operator.passports.get(jti);
  expect(view).toMatchObject({ status: 'checked_out', actions_logged: 1, checked_out: { outcome: 'failure', summary: 'RangeError: the ticket queue is gone' } });
});

it('given `await using`, when the block ends, then the mission is checked out as a success; and as a failure with the summary when fail(error) was called', async () => {
  // given
  const agent = await tenant.agent();
  let succeeded = '';
  let failed = '';
  let ended!: Mission;
  // when
  {
    await using m = await agent.mission(mission);
    succeeded = m.jti;
    m.log({ service: 'echo', action: 'close ticket' });
    ended = m;
  }
  await expect(
    (async () => {
      await using m = await agent.mission(mission);
      failed = m.jti;
      try {
        throw new Error('upstream said no');
      } catch (error) {
        m.fail(error);
        throw error;
      }
    })(),
  ).rejects.toThrow('upstream said no');
  // then
  expect(await tenant.operator.passports.get(succeeded)).toMatchObject({ actions_logged: 1, checked_out: { outcome: 'success' } });
  expect(await tenant.operator.passports.get(failed)).toMatchObject({ checked_out: { outcome: 'failure', summary: 'Error: upstream said no' } });
  // A call logged after the end would never be sent: it is refused on the spot.
  expect(() => ended.log({ service: 'echo', action: 'too late' })).toThrow(ConfigurationError);
});

it('given calls logged in a row, when the flush interval comes, then they are sent in the background as one batch, without the agent waiting', async () => {
  // given: the agent talks to Mandate through a door that counts its requests
  const door = await Door.start(world.server.url);
  const agent = await tenant.agent({ baseUrl: door.url });
  try {
    await agent.withMission({ ...mission, flushInterval: '200ms' }, async (m) => {
      const actions = (a: { method: string; path: string }) => a.method === 'POST' && a.path === `/v1/passports/${m.jti}/actions`;
      // when
      for (const ticket of [1, 2, 3]) m.log({ service: 'echo', action: `read ticket ${ticket}` });
      expect(door.arrived.filter(actions)).toHaveLength(0);
      await door.arrival(actions);
      await m.flush(); // waits for the background send in flight, sends nothing more
      // then
      expect(door.arrived.filter(actions)).toHaveLength(1);
      expect((await tenant.operator.passports.get(m.jti)).actions_logged).toBe(3);
    });
  } finally {
    await door.close();
  }
});

it('given a short checkpoint interval, when the mission runs, then it checkpoints on time by itself, sending the calls logged in between first', async () => {
  // given
  const agent = await tenant.agent();
  const { onCheckpoint, reached } = checkpoints(2);
  // when
  await agent.withMission({ ...mission, checkpointInterval: '1s', flushInterval: '10s', onCheckpoint }, async (m) => {
    m.log({ service: 'echo', action: 'read ticket 1' });
    m.log({ service: 'echo', action: 'read ticket 2' });
    const [first, second] = await reached;
    // then
    expect(m.checkpoints).toBeGreaterThanOrEqual(2);
    expect(Date.parse(second!.checkpoint_due_at)).toBeGreaterThan(Date.parse(first!.checkpoint_due_at));
    const view = await tenant.operator.passports.get(m.jti);
    expect(view.checkpoints).toBeGreaterThanOrEqual(2);
    // The calls went with the first checkpoint, not after the 10 s flush interval.
    expect(view.actions_logged).toBe(2);
  });
});

it('given an enforced agent, when the mission checkpoints, then the refreshed passport replaces the old one and is the one used from then on', async () => {
  // given
  const agent = await tenant.agent({ mode: 'enforced' });
  // The second checkpoint: at least a second after the issue, so its token's iat and exp differ from the first
  // token's (a refresh within the same second is the same JWT, byte for byte: EdDSA signatures are deterministic).
  const { onCheckpoint, reached, seen } = checkpoints(2);
  // when
  await agent.withMission({ ...mission, checkpointInterval: '1s', onCheckpoint }, async (m) => {
    const [, refresh] = await reached;
    // then: the token in use is the latest refresh (another checkpoint may have come since)
    expect(refresh!.token).toEqual(expect.any(String));
    expect(Date.parse(refresh!.expires_at)).toBeGreaterThan(Date.parse(m.passport.expires_at));
    expect(m.token).toBe(seen[seen.length - 1]!.token);
    expect(m.token).not.toBe(m.passport.token);
    const verified = await tenant.operator.passports.verify(m.token);
    expect(verified).toMatchObject({ active: true, cnf: { jkt: agent.key!.keyId } });
    expect((await m.proxy({ service: 'echo', url: echo() })).status).toBe(200);
  });
});

it('given a mission whose passport an operator revokes, when the agent calls next, then PassportRevoked is thrown, logging throws it too, and withMission propagates it', async () => {
  // given
  const agent = await tenant.agent();
  let jti = '';
  // when
  const outcome = agent.withMission(mission, async (m) => {
    jti = m.jti;
    await tenant.operator.passports.revoke(m.jti, { reason: 'kill switch drill' });
    try {
      await m.proxy({ service: 'echo', url: echo() });
    } finally {
      // then (inside): the mission knows it is over without asking the server again
      expect(() => m.log({ service: 'echo', action: 'one more' })).toThrow(PassportRevoked);
    }
  });
  // then
  const error = await outcome.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PassportRevoked);
  expect(error).toBeInstanceOf(Unauthenticated);
  expect(error).toMatchObject({ status: 401, code: 'PASSPORT_REVOKED' });
  expect(await tenant.operator.passports.get(jti)).toMatchObject({ status: 'revoked', checked_out: null });
});

it('given a mission whose agent key an operator revokes, when the agent calls next, then KeyRevoked ends the mission as a revocation does: logging throws it too, and withMission propagates it', async () => {
  // given
  const agent = await tenant.agent();
  let jti = '';
  // when
  const outcome = agent.withMission(mission, async (m) => {
    jti = m.jti;
    await tenant.operator.agents.revokeKey(agent.agentId!, agent.key!.keyId, { reason: 'key leaked' });
    try {
      await m.proxy({ service: 'echo', url: echo() });
    } finally {
      // then (inside): the mission knows it is over without asking the server again
      expect(() => m.log({ service: 'echo', action: 'one more' })).toThrow(KeyRevoked);
    }
  });
  // then
  const error = await outcome.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(KeyRevoked);
  expect(error).toBeInstanceOf(ProofRefused);
  expect(error).toMatchObject({ status: 401, code: 'DPOP_KEY_REVOKED' });
  const refused = [];
  for await (const entry of tenant.operator.audit.query({ jti, type: 'PassportUseRefused' })) refused.push(entry.what?.operation);
  expect(refused).toEqual(['proxy']);
});

it('given `await using` whose passport was revoked, when the block ends normally, then dispose throws PassportRevoked: the caller learns the mission did not end as it thinks', async () => {
  // given
  const agent = await tenant.agent();
  // when
  const block = (async () => {
    await using m = await agent.mission(mission);
    await tenant.operator.passports.revoke(m.jti);
  })();
  // then
  await expect(block).rejects.toBeInstanceOf(PassportRevoked);
});

it('given calls logged when the passport is revoked, when the mission ends, then they are counted as lost and said in the log, never silently dropped', async () => {
  // given
  const logger = keptLogger();
  const agent = await tenant.agent({ logger });
  let m!: Mission;
  // when
  await expect(
    agent.withMission({ ...mission, flushInterval: '1h' }, async (opened) => {
      m = opened;
      m.log({ service: 'echo', action: 'step 1' });
      m.log({ service: 'echo', action: 'step 2' });
      await tenant.operator.passports.revoke(m.jti);
      throw new Error('stopped');
    }),
  ).rejects.toThrow('stopped');
  // then
  expect(m.lostCalls).toBe(2);
  expect(logger.warnings.join('\n')).toMatch(/2 logged call\(s\) could not be recorded/);
});

it('given a mission for one service, when the agent calls another or a foreign host through the proxy, then the refusals are typed and nothing is sent upstream', async () => {
  // given
  const agent = await tenant.agent({ services: ['echo', 'stripe'] });
  const before = world.upstream.seen.length;
  await agent.withMission(mission, async (m) => {
    // when / then
    await expect(m.proxy({ service: 'stripe', url: 'https://localhost/v1/refunds' })).rejects.toBeInstanceOf(OutOfScope);
    const refused = await m.proxy({ service: 'echo', url: 'https://evil.example/steal' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProxyRefused);
    expect(refused).toMatchObject({ status: 403, code: 'PROXY_HOST_NOT_ALLOWED', problem: { code: 'PROXY_HOST_NOT_ALLOWED' } });
  });
  expect(world.upstream.seen.length).toBe(before);
});

it('given an agent runtime, when it is asked for a mission without services as a list, then it refuses before anything is sent', async () => {
  const agent: Mandate = await tenant.agent();
  await expect(agent.mission({ intent: 'x', services: 'echo' as unknown as string[] })).rejects.toThrow(/services is a list/);
  await expect(agent.mission({ ...mission, checkpointInterval: 'soon' })).rejects.toThrow(/not a duration/);
});
