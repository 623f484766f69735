import { specFor } from '@mandate/core';
import { MissionEvent } from './mission';
import { MissionCommand, missionDecider } from './mission.decide';

const spec = specFor(missionDecider);
const T0 = '2026-01-01T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const ref = { missionId: 'msn_1', jti: 'pp_1', agentId: 'agt_1' };

const issue = (overrides: Partial<Extract<MissionCommand, { type: 'IssuePassport' }>> = {}): MissionCommand => ({
  type: 'IssuePassport',
  missionId: 'msn_1',
  jti: 'pp_1',
  tenantId: 'ten_1',
  agent: { agentId: 'agt_1', accountabilityMode: 'enforced', suspended: false },
  intent: { summary: 'triage tickets', services: ['slack'] },
  ttlSeconds: 900,
  checkpointIntervalSeconds: 300,
  idempotencyKey: null,
  requestFingerprint: 'fp-1',
  now: T0,
  ...overrides,
});

const issued = (mode: 'standard' | 'logged' | 'enforced' = 'enforced'): MissionEvent => {
  const [event] = missionDecider.decide(issue({ agent: { agentId: 'agt_1', accountabilityMode: mode, suspended: false } }), missionDecider.initialState);
  return event;
};
const checkedOut: MissionEvent = { type: 'MissionCheckedOut', data: { ...ref, summary: 'done', outcome: 'success', at: at(60) } };
const revoked: MissionEvent = { type: 'PassportRevoked', data: { ...ref, reason: 'off-script', scope: 'passport', at: at(60), tokenExpiresAt: at(300) } };
const logCall = (seconds: number, tokenExpiresAt = at(300)): MissionCommand => ({
  type: 'LogToolCalls',
  calls: [{ service: 'slack', action: 'chat.postMessage', outcome: 'success' }],
  now: at(seconds),
  tokenExpiresAt,
});

describe('issuing a passport', () => {
  it('given no mission, when an enforced agent states its intent, then the passport lives one checkpoint interval', () =>
    spec([]).when(issue()).then([
      {
        type: 'PassportIssued',
        data: {
          ...ref,
          tenantId: 'ten_1',
          accountabilityMode: 'enforced',
          intent: { summary: 'triage tickets', services: ['slack'] },
          ttlSeconds: 900,
          checkpointIntervalSeconds: 300,
          issuedAt: T0,
          expiresAt: at(900),
          leashExpiresAt: at(300),
          checkpointDueAt: at(300),
          idempotencyKey: null,
          requestFingerprint: 'fp-1',
        },
      },
    ]));

  it('given a logged agent, then the token lives as long as the mission', () =>
    spec([]).when(issue({ agent: { agentId: 'agt_1', accountabilityMode: 'logged', suspended: false } })).then(([event]) => {
      expect(event.data).toMatchObject({ leashExpiresAt: at(900), expiresAt: at(900) });
    }));

  it('given an enforced agent whose interval outlasts the mission, then the leash stops at the mission end', () =>
    spec([]).when(issue({ ttlSeconds: 120, checkpointIntervalSeconds: 600 })).then(([event]) => {
      expect(event.data).toMatchObject({ leashExpiresAt: at(120), expiresAt: at(120) });
    }));

  it('repeated services are stored once', () =>
    spec([]).when(issue({ intent: { summary: 's', services: ['slack', 'slack', 'github'] } })).then(([event]) => {
      expect((event.data as { intent: { services: string[] } }).intent.services).toEqual(['slack', 'github']);
    }));

  it.each(['logged', 'enforced'] as const)('given a %s agent with no stated intent, then ACCOUNTABILITY_REQUIRED', (mode) =>
    spec([]).when(issue({ agent: { agentId: 'agt_1', accountabilityMode: mode, suspended: false }, intent: { summary: ' ', services: [] } })).thenThrows('ACCOUNTABILITY_REQUIRED'));

  it('given a logged agent naming no services, then ACCOUNTABILITY_REQUIRED', () =>
    spec([]).when(issue({ agent: { agentId: 'agt_1', accountabilityMode: 'logged', suspended: false }, intent: { summary: 'work', services: [] } })).thenThrows('ACCOUNTABILITY_REQUIRED'));

  it('given a standard agent with no stated intent, then the passport is issued (audit only)', () =>
    spec([]).when(issue({ agent: { agentId: 'agt_1', accountabilityMode: 'standard', suspended: false }, intent: { summary: '', services: [] } })).then((events) => {
      expect(events.map((e) => e.type)).toEqual(['PassportIssued']);
    }));

  it('given a suspended agent, then AGENT_SUSPENDED', () =>
    spec([]).when(issue({ agent: { agentId: 'agt_1', accountabilityMode: 'enforced', suspended: true } })).thenThrows('AGENT_SUSPENDED'));

  it('given the mission was opened by the same request, when it is retried, then nothing new happens', () =>
    spec([issued()]).when(issue()).then([]));

  it('given the mission was opened by another request with the same idempotency key, then IDEMPOTENCY_KEY_REUSED', () =>
    spec([issued()]).when(issue({ requestFingerprint: 'fp-2' })).thenThrows('IDEMPOTENCY_KEY_REUSED'));
});

describe('using a passport', () => {
  it('given an active passport, when it logs one call, then that call is the fact', () =>
    spec([issued()]).when(logCall(10)).then([
      { type: 'ToolCallLogged', data: { ...ref, service: 'slack', action: 'chat.postMessage', outcome: 'success', at: at(10) } },
    ]));

  it('given an active passport, when it logs a batch of calls, then the batch is one fact with every call in order', () =>
    spec([issued()]).when({
      type: 'LogToolCalls',
      calls: [
        { service: 'slack', action: 'chat.postMessage', outcome: 'success' },
        { service: 'slack', action: 'reactions.add', target: 'C1', outcome: 'failure', approvalId: 'apr_1' },
      ],
      now: at(10),
      tokenExpiresAt: at(300),
    }).then([
      {
        type: 'ToolCallsLogged',
        data: {
          ...ref,
          calls: [
            { service: 'slack', action: 'chat.postMessage', outcome: 'success' },
            { service: 'slack', action: 'reactions.add', target: 'C1', outcome: 'failure', approvalId: 'apr_1' },
          ],
          at: at(10),
        },
      },
    ]));

  it('given a batch, then the mission counts every call in it', () => {
    const batch: MissionEvent = { type: 'ToolCallsLogged', data: { ...ref, calls: [1, 2, 3].map(() => ({ service: 'slack', action: 'x', outcome: 'unknown' as const })), at: at(5) } };
    const state = [issued(), batch].reduce(missionDecider.evolve, missionDecider.initialState);
    expect(state).toMatchObject({ actionsLogged: 3 });
  });

  it('given a checked-out mission, when a call is logged, then the refusal is recorded as PASSPORT_CHECKED_OUT', () =>
    spec([issued(), checkedOut]).when(logCall(90)).then([
      { type: 'PassportUseRefused', data: { ...ref, operation: 'tool_call', code: 'PASSPORT_CHECKED_OUT', at: at(90), services: ['slack'] } },
    ]));

  it('given a revoked passport, when a checkpoint is recorded, then the refusal is recorded as PASSPORT_REVOKED', () =>
    spec([issued(), revoked]).when({ type: 'RecordCheckpoint', servicesUsed: ['github'], actionsCount: 1, summary: '', now: at(90), tokenExpiresAt: at(300) }).then([
      { type: 'PassportUseRefused', data: { ...ref, operation: 'checkpoint', code: 'PASSPORT_REVOKED', at: at(90), services: ['github'] } },
    ]));

  it('given a revoked and checked-out passport, then revocation is the reason given', () =>
    spec([issued(), checkedOut, revoked]).when(logCall(90)).then(([event]) => expect(event.data).toMatchObject({ code: 'PASSPORT_REVOKED' })));

  it('given a token past its exp, then PASSPORT_EXPIRED is recorded even though the mission still runs', () =>
    spec([issued()]).when(logCall(301, at(300))).then(([event]) => expect(event).toMatchObject({ type: 'PassportUseRefused', data: { code: 'PASSPORT_EXPIRED' } })));

  it('given a token exactly at its exp, then it is expired (exp is exclusive)', () =>
    spec([issued()]).when(logCall(300, at(300))).then(([event]) => expect(event.data).toMatchObject({ code: 'PASSPORT_EXPIRED' })));

  it('given a mission past its TTL, then PASSPORT_EXPIRED even if the token claims a later exp', () =>
    spec([issued('logged')]).when(logCall(901, at(2000))).then(([event]) => expect(event.data).toMatchObject({ code: 'PASSPORT_EXPIRED' })));

  it('given an active passport, when it is verified, then nothing is recorded', () =>
    spec([issued()]).when({ type: 'VerifyPassport', now: at(10), tokenExpiresAt: at(300) }).then([]));

  it('given a checked-out mission, when its token is verified, then the attempt is recorded', () =>
    spec([issued(), checkedOut]).when({ type: 'VerifyPassport', now: at(90), tokenExpiresAt: at(300) }).then([
      { type: 'PassportUseRefused', data: { ...ref, operation: 'verify', code: 'PASSPORT_CHECKED_OUT', at: at(90), services: [] } },
    ]));

  it('given a verify refusal already recorded, when the token is verified again, then nothing more is recorded', () => {
    const refusedVerify: MissionEvent = { type: 'PassportUseRefused', data: { ...ref, operation: 'verify', code: 'PASSPORT_CHECKED_OUT', at: at(90), services: [] } };
    spec([issued(), checkedOut, refusedVerify]).when({ type: 'VerifyPassport', now: at(95), tokenExpiresAt: at(300) }).then([]);
    spec([issued(), checkedOut, refusedVerify, revoked]).when({ type: 'VerifyPassport', now: at(95), tokenExpiresAt: at(300) }).then(([event]) =>
      expect(event.data).toMatchObject({ operation: 'verify', code: 'PASSPORT_REVOKED' }));
    spec([issued(), checkedOut, refusedVerify]).when(logCall(96)).then(([event]) => expect(event.data).toMatchObject({ operation: 'tool_call' }));
  });

  it('given a revoked passport, when it submits an intent, then the refusal is recorded with the service it named', () =>
    spec([issued(), revoked]).when({ type: 'UsePassport', operation: 'intent', services: ['stripe'], now: at(90), tokenExpiresAt: at(300) }).then([
      { type: 'PassportUseRefused', data: { ...ref, operation: 'intent', code: 'PASSPORT_REVOKED', at: at(90), services: ['stripe'] } },
    ]));

  it('given an active passport, when another service uses it, then nothing is recorded by the mission', () =>
    spec([issued()]).when({ type: 'UsePassport', operation: 'approval', services: ['slack'], now: at(10), tokenExpiresAt: at(300) }).then([]));

  it('given no such mission, when it is used, then PASSPORT_UNKNOWN', () => spec([]).when(logCall(10)).thenThrows('PASSPORT_UNKNOWN'));
});

describe('checkpoints renew the leash', () => {
  it('given an enforced passport, when it checkpoints, then its leash and deadline move one interval on', () =>
    spec([issued()]).when({ type: 'RecordCheckpoint', servicesUsed: ['slack'], actionsCount: 3, summary: 'halfway', now: at(200), tokenExpiresAt: at(300) }).then([
      {
        type: 'CheckpointRecorded',
        data: { ...ref, servicesUsed: ['slack'], actionsCount: 3, summary: 'halfway', at: at(200), leashExpiresAt: at(500), checkpointDueAt: at(500) },
      },
    ]));

  it('given an enforced passport near its end, then the renewed leash never passes the mission TTL', () =>
    spec([issued()]).when({ type: 'RecordCheckpoint', servicesUsed: [], actionsCount: 0, summary: '', now: at(800), tokenExpiresAt: at(900) }).then(([event]) =>
      expect(event.data).toMatchObject({ leashExpiresAt: at(900) })));

  it('given a logged passport, then the token keeps the mission TTL', () =>
    spec([issued('logged')]).when({ type: 'RecordCheckpoint', servicesUsed: [], actionsCount: 0, summary: '', now: at(200), tokenExpiresAt: at(900) }).then(([event]) =>
      expect(event.data).toMatchObject({ leashExpiresAt: at(900), checkpointDueAt: at(500) })));

  it('given a refreshed passport, when the token from before the refresh is used after its exp, then it is expired', () => {
    const checkpoint: MissionEvent = { type: 'CheckpointRecorded', data: { ...ref, servicesUsed: [], actionsCount: 0, summary: '', at: at(200), leashExpiresAt: at(500), checkpointDueAt: at(500) } };
    spec([issued(), checkpoint]).when(logCall(350, at(300))).then(([event]) => expect(event.data).toMatchObject({ code: 'PASSPORT_EXPIRED' }));
    spec([issued(), checkpoint]).when(logCall(350, at(500))).then(([event]) => expect(event.type).toBe('ToolCallLogged'));
  });
});

describe('checkout and revocation', () => {
  it('given an active passport, when it checks out, then the mission is over', () =>
    spec([issued()]).when({ type: 'CheckOut', summary: 'done', outcome: 'success', now: at(60), tokenExpiresAt: at(300) }).then([checkedOut]));

  it('given a checked-out mission, when it checks out again, then the second checkout is refused and recorded', () =>
    spec([issued(), checkedOut]).when({ type: 'CheckOut', summary: 'again', outcome: 'success', now: at(70), tokenExpiresAt: at(300) }).then(([event]) =>
      expect(event).toMatchObject({ type: 'PassportUseRefused', data: { operation: 'checkout', code: 'PASSPORT_CHECKED_OUT' } })));

  it('given an active passport, when an operator revokes it, then the revocation says why and until when the token was good', () =>
    spec([issued()]).when({ type: 'RevokePassport', reason: 'off-script', scope: 'passport', now: at(60) }).then([revoked]));

  it('given a checked-out passport, when it is revoked, then the revocation still happens (offline verifiers must hear of it)', () =>
    spec([issued(), checkedOut]).when({ type: 'RevokePassport', reason: 'leak', scope: 'agent', now: at(90) }).then(([event]) =>
      expect(event).toMatchObject({ type: 'PassportRevoked', data: { scope: 'agent', reason: 'leak' } })));

  it('given a revoked passport, when it is revoked again, then nothing new happens', () =>
    spec([issued(), revoked]).when({ type: 'RevokePassport', reason: 'again', scope: 'tenant', now: at(90) }).then([]));
});

describe('refusals of a dead passport are bounded', () => {
  const refusedCall = (seconds: number): MissionEvent => ({
    type: 'PassportUseRefused',
    data: { ...ref, operation: 'tool_call', code: 'PASSPORT_CHECKED_OUT', at: at(seconds), services: ['slack'] },
  });

  it('given a checked-out mission, when the passport is used, then the refusal is stored', () =>
    spec([issued(), checkedOut]).when(logCall(70)).then([refusedCall(70)]));

  it('given a refusal of this kind stored in the last minute, when the passport is used again, then the refusal is answered (thrown) and nothing is stored', () =>
    spec([issued(), checkedOut, refusedCall(70)]).when(logCall(129)).thenThrows('PASSPORT_CHECKED_OUT'));

  it('given a refusal of this kind stored a minute ago or more, when the passport is used again, then a new refusal opens the next window', () =>
    spec([issued(), checkedOut, refusedCall(70)]).when(logCall(130)).then([refusedCall(130)]));

  it('given a tool-call refusal in its window, when a checkout is tried, then that other kind is stored once too', () =>
    spec([issued(), checkedOut, refusedCall(70)])
      .when({ type: 'CheckOut', summary: '', outcome: 'success', now: at(80), tokenExpiresAt: at(300) })
      .then([{ type: 'PassportUseRefused', data: { ...ref, operation: 'checkout', code: 'PASSPORT_CHECKED_OUT', at: at(80), services: [] } }]));

  it('given refusals answered but not stored, when their count is written, then one event says how many of each kind and when', () =>
    spec([issued(), checkedOut, refusedCall(70)])
      .when({ type: 'CountRefusals', refusals: [{ operation: 'tool_call', code: 'PASSPORT_CHECKED_OUT', count: 9_999 }], from: at(70), to: at(100) })
      .then([{ type: 'PassportUseRefusalsCounted', data: { ...ref, refusals: [{ operation: 'tool_call', code: 'PASSPORT_CHECKED_OUT', count: 9_999 }], from: at(70), to: at(100) } }]));

  it('given nothing counted, when the count is written, then nothing is stored', () =>
    spec([issued(), checkedOut]).when({ type: 'CountRefusals', refusals: [{ operation: 'tool_call', code: 'PASSPORT_REVOKED', count: 0 }], from: at(70), to: at(100) }).then([]));
});

describe('proxied calls', () => {
  const call = { callId: 'pc_key', service: 'slack', method: 'POST', host: 'slack.com', path: '/api/chat.postMessage' };
  const start = (requestFingerprint?: string, refusal: { code: string; detail: string } | null = null): MissionCommand => ({
    type: 'StartProxiedCall', call: { ...call, requestBytes: 2, requestDigest: 'd' }, refusal, now: at(10), tokenExpiresAt: at(300), ...(requestFingerprint ? { requestFingerprint } : {}),
  });
  const started = (requestFingerprint?: string): MissionEvent => ({
    type: 'ProxiedCallStarted', data: { ...ref, ...call, requestBytes: 2, requestDigest: 'd', at: at(10), ...(requestFingerprint ? { requestFingerprint } : {}) },
  });

  it('given a live passport, when a call to a service of the mission starts, then it is started; outside the mission, refused', () => {
    spec([issued()]).when(start()).then([started()]);
    spec([issued()]).when({ ...start(), call: { ...call, service: 'github', requestBytes: 2, requestDigest: 'd' } } as MissionCommand).then([
      { type: 'ProxiedCallRefused', data: { ...ref, ...call, service: 'github', code: 'PROXY_SERVICE_NOT_IN_MISSION', detail: 'this mission did not name the service "github"', at: at(10) } },
    ]);
  });

  it("given the shell's own refusal (a host, a rule, the policy), then the call is refused with that code", () =>
    spec([issued()]).when(start(undefined, { code: 'PROXY_DENIED_BY_RULE', detail: 'no' })).then([
      { type: 'ProxiedCallRefused', data: { ...ref, ...call, code: 'PROXY_DENIED_BY_RULE', detail: 'no', at: at(10) } },
    ]));

  it('given a call started under an idempotency key, when it is started again, then PROXY_CALL_ALREADY_MADE; with another request, IDEMPOTENCY_KEY_REUSED', () => {
    spec([issued(), started('f1')]).when(start('f1')).thenThrows('PROXY_CALL_ALREADY_MADE');
    spec([issued(), started('f1')]).when(start('f2')).thenThrows('IDEMPOTENCY_KEY_REUSED');
  });

  it('given a revoked passport, when a call is started, then the use is refused before anything else', () =>
    spec([issued(), revoked]).when(start()).then([
      { type: 'PassportUseRefused', data: { ...ref, operation: 'proxy', code: 'PASSPORT_REVOKED', at: at(10), services: ['slack'] } },
    ]));
});
