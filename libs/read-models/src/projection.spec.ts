import Database from 'better-sqlite3';
import { Actor, RecordedEvent } from '@mandate/core';
import { MandateEventData, MandateEventType } from '@mandate/events';
import { liveFeedsOf, readModelChanges, ReadModelChange, toRevocation } from './projection';
import { SqliteReadModels } from './sqlite-read-models';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const agent: Actor = { kind: 'agent', id: 'agt_1' };
const ada: Actor = { kind: 'operator', id: 'key_ada' };
const ref = { missionId: 'msn_1', jti: 'pp_1', agentId: 'agt_1' };
const intentRef = { ...ref, intentId: 'int_1' };

let position = 0;
/** A committed event as the store hands it to the read models: typed data, the envelope around it. */
function recorded<T extends MandateEventType>(type: T, data: MandateEventData<T>, actor: Actor = agent): RecordedEvent<T, MandateEventData<T>> {
  position++;
  return {
    id: `e${position}`, type, schemaVersion: 1, streamId: 'stream-1', streamVersion: position, position, tenantId: 'ten_1',
    occurredAt: at(position), actor, causationId: null, correlationId: 'c', data,
  };
}

/** when one committed event, then exactly these writes to the read models. */
const when = (event: RecordedEvent) => ({ then: (expected: ReadModelChange[]) => expect(readModelChanges(event)).toEqual(expected) });

const issued = () =>
  recorded('PassportIssued', {
    ...ref, tenantId: 'ten_1', accountabilityMode: 'enforced', intent: { summary: 'triage tickets', services: ['slack'] },
    ttlSeconds: 900, checkpointIntervalSeconds: 300, issuedAt: at(0), expiresAt: at(900), leashExpiresAt: at(300),
    checkpointDueAt: at(300), idempotencyKey: null, requestFingerprint: 'fp-1',
  }, { kind: 'admin', id: 'key_admin' });
const revoked = (by: Actor) => recorded('PassportRevoked', { ...ref, reason: 'off-script', scope: 'agent', at: at(60), tokenExpiresAt: at(300) }, by);
const raised = () =>
  recorded('SecurityEventRaised', {
    ...ref, signal: 'scope_drift', severity: 'critical', evidence: ['e7'], threshold: null, detail: 'a tool call used "github"',
    action: 'revoke', accountabilityMode: 'enforced', revoke: true, raised: true,
  }, { kind: 'detector', id: 'scope_drift' });

describe('agents', () => {
  it('given an admin, when an agent is registered, then it is listed, active, in the mode it was registered with', () => {
    const registered = recorded('AgentRegistered', { agentId: 'agt_1', tenantId: 'ten_1', name: 'support-bot', description: 'answers tickets', accountabilityMode: 'logged', registeredAt: at(0) });
    when(registered).then([
      { kind: 'agentRegistered', agent: { agentId: 'agt_1', tenantId: 'ten_1', name: 'support-bot', description: 'answers tickets', accountabilityMode: 'logged', suspended: false, registeredAt: at(0) } },
    ]);
  });

  it('given a logged agent, when it is moved to enforced, then the list shows its new mode', () =>
    when(recorded('AccountabilityModeChanged', { agentId: 'agt_1', from: 'logged', to: 'enforced' })).then([{ kind: 'agentModeChanged', agentId: 'agt_1', accountabilityMode: 'enforced' }]));

  it('given an agent, when it is suspended and then reinstated, then the list shows it suspended and then active', () => {
    when(recorded('AgentSuspended', { agentId: 'agt_1', reason: 'investigating' })).then([{ kind: 'agentSuspensionChanged', agentId: 'agt_1', suspended: true }]);
    when(recorded('AgentReinstated', { agentId: 'agt_1' })).then([{ kind: 'agentSuspensionChanged', agentId: 'agt_1', suspended: false }]);
  });
});

describe('passports (what a kill switch must reach)', () => {
  it('given a mission, when its passport is issued, then it is open until its first leash ends, in the tenant of the envelope, listed with its intent and mode', () => {
    const event = issued();
    when(event).then([
      {
        kind: 'passportIssued',
        passport: {
          position: event.position, jti: 'pp_1', missionId: 'msn_1', tenantId: 'ten_1', agentId: 'agt_1', accountabilityMode: 'enforced',
          summary: 'triage tickets', services: ['slack'], tokenExpiresAt: at(300), issuedAt: at(0), expiresAt: at(900),
        },
      },
    ]);
  });

  it('given an open passport, when a checkpoint is recorded, then its token can be accepted until the new leash ends', () =>
    when(recorded('CheckpointRecorded', { ...ref, servicesUsed: ['slack'], actionsCount: 3, summary: 'half way', at: at(200), leashExpiresAt: at(500), checkpointDueAt: at(500) }))
      .then([{ kind: 'passportLeashMoved', jti: 'pp_1', tokenExpiresAt: at(500) }]));

  it('given an open passport, when the mission checks out, then the passport is closed as checked out (still within a kill switch reach)', () =>
    when(recorded('MissionCheckedOut', { ...ref, summary: 'done', outcome: 'success', at: at(400) })).then([{ kind: 'passportClosed', jti: 'pp_1', status: 'checked_out' }]));

  it('given an open passport, when an operator revokes it, then the revocation is recorded and the passport is closed as revoked', () =>
    when(revoked(ada)).then([
      {
        kind: 'revocationRecorded',
        revocation: {
          position, tenantId: 'ten_1', jti: 'pp_1', agentId: 'agt_1', missionId: 'msn_1', reason: 'off-script', scope: 'agent',
          revokedByKind: 'operator', revokedBy: 'key_ada', revokedAt: at(60), tokenExpiresAt: at(300),
        },
      },
      { kind: 'passportClosed', jti: 'pp_1', status: 'revoked' },
    ]));
});

describe('revocations (the feed verifiers follow)', () => {
  it('given a detector revoked a passport, then the feed names the detector and how long the token could still be shown', () =>
    expect(toRevocation(revoked({ kind: 'detector', id: 'credential_burst' }))).toMatchObject({ revokedByKind: 'detector', revokedBy: 'credential_burst', tokenExpiresAt: at(300) }));

  it('given a batch of committed events, then the live feeds carry its revocations and findings, in commit order, and nothing else', () => {
    const batch = [issued(), revoked(ada), raised(), revoked({ kind: 'system', id: 'expiry' })];
    const feeds = liveFeedsOf(batch);
    expect(feeds.revocations.map((r) => [r.position, r.revokedBy])).toEqual([[batch[1].position, 'key_ada'], [batch[3].position, 'expiry']]);
    expect(feeds.findings.map((f) => f.findingId)).toEqual([batch[2].id]);
    expect(feeds.queueChanges).toEqual([]);
  });

  it('given an event that is not a revocation, then it is refused as a revocation rather than read as one', () =>
    expect(() => toRevocation(issued())).toThrow(/expected a PassportRevoked event, got PassportIssued/));
});

describe('the intents queue', () => {
  const submitted = () =>
    recorded('IntentSubmitted', {
      ...intentRef, namedIntent: 'refund.partial', service: 'stripe', action: 'refunds.create',
      call: { service: 'stripe', method: 'POST', scheme: 'https', host: 'api.stripe.com', path: '/v1/refunds', bodyDigest: 'digest' },
      amount: { value: 50, currency: 'USD' }, reason: 'charged twice', authorizationDetails: [], accountabilityMode: 'enforced',
      submittedAt: at(0), expiresAt: at(900), approvalTtlSeconds: 300,
      policy: { decision: 'require_approval', approvalsRequired: 2, rule: 'refunds-by-hand' },
    });

  it('given a policy needing two approvals, when an intent is submitted, then it waits in the queue with none of two given', () =>
    when(submitted()).then([
      {
        kind: 'intentQueued',
        intent: {
          position: expect.any(Number), intentId: 'int_1', tenantId: 'ten_1', agentId: 'agt_1', jti: 'pp_1', missionId: 'msn_1', namedIntent: 'refund.partial', service: 'stripe',
          status: 'pending', submittedAt: at(0), expiresAt: at(900), approvalsRequired: 2, approvalsGiven: 0,
        },
      },
    ]));

  it('given an intent needing two approvals, when the first is given, then the queue counts one', () =>
    when(recorded('IntentApprovalGiven', { ...intentRef, approver: ada, note: 'ok', given: 1, required: 2, at: at(10) }, ada))
      .then([{ kind: 'intentApprovalsCounted', intentId: 'int_1', approvalsGiven: 1, position }]));

  it.each([
    ['approved by people', 'approved', recorded('IntentApproved', { ...intentRef, approvalId: 'apr_1', approvers: [ada], approvalExpiresAt: at(310), at: at(10) })],
    ['approved by policy', 'approved', recorded('IntentAutoApproved', { ...intentRef, approvalId: 'apr_1', rule: 'small-refunds', approvalExpiresAt: at(300), at: at(0) })],
    ['rejected', 'rejected', recorded('IntentRejected', { ...intentRef, by: ada, note: 'no', at: at(10) })],
    ['left past its deadline', 'expired', recorded('IntentExpired', { ...intentRef, at: at(900) })],
  ] as const)('given a pending intent, when it is %s, then it leaves the pending queue as %s', (_how, status, event) =>
    when(event).then([{ kind: 'intentDecided', intentId: 'int_1', status, position: event.position }]));

  it('given a batch with a submission, an approval and a ticking clock, then the queue feed hears of the intent changes only, at their positions', () => {
    const batch = [submitted(), recorded('ClockTicked', { at: at(1) }), recorded('IntentApprovalGiven', { ...intentRef, approver: ada, note: 'ok', given: 1, required: 2, at: at(10) }, ada)];
    expect(liveFeedsOf(batch).queueChanges).toEqual([{ tenantId: 'ten_1', position: batch[0].position }, { tenantId: 'ten_1', position: batch[2].position }]);
  });
});

describe('findings', () => {
  it('given a detector finding, when it is raised, then it is listed open, at its position and the time of the event that raised it', () => {
    const event = raised();
    when(event).then([
      {
        kind: 'findingRaised',
        finding: {
          position: event.position, findingId: event.id, tenantId: 'ten_1', signal: 'scope_drift', severity: 'critical', agentId: 'agt_1', jti: 'pp_1',
          missionId: 'msn_1', detail: 'a tool call used "github"', evidence: ['e7'], action: 'revoke', revoke: true, raised: true,
          raisedAt: event.occurredAt, status: 'open', resolution: null,
        },
      },
    ]);
  });

  it('given an open finding, when an operator resolves it, then it reads resolved with their note, by the operator behind the event, and the findings feed hears where', () => {
    const resolved = recorded('SecurityEventResolved', { ...ref, findingId: 'f1', note: 'expected: new integration', at: at(50) }, ada);
    when(resolved).then([{ kind: 'findingResolved', findingId: 'f1', resolution: { note: 'expected: new integration', by: 'key_ada', at: at(50) }, position: resolved.position }]);
    expect(liveFeedsOf([resolved]).resolutions).toEqual([{ tenantId: 'ten_1', position: resolved.position }]);
  });
});

describe('what no read model lists', () => {
  it.each([
    recorded('TenantCreated', { tenantId: 'ten_1', name: 'acme' }),
    recorded('ToolCallLogged', { ...ref, service: 'slack', action: 'chat.postMessage', outcome: 'success', at: at(5) }),
    recorded('PassportUseRefused', { ...ref, operation: 'tool_call', code: 'PASSPORT_REVOKED', at: at(70), services: ['slack'] }),
    recorded('ApprovalConsumed', { ...intentRef, approvalId: 'apr_1', call: { service: 'stripe', method: 'POST', scheme: 'https', host: 'api.stripe.com', path: '/v1/refunds', bodyDigest: 'd' }, at: at(20) }),
    recorded('ClockTicked', { at: at(301) }),
  ])('given $type, then the read models beyond the audit trail are unchanged', (event) => when(event).then([]));

  it('given a stored body that could not be read, or a type this release does not know, then nothing is projected', () => {
    when({ ...issued(), type: 'Unreadable' }).then([]);
    when({ ...issued(), type: 'PassportExtended' }).then([]);
  });
});

describe('the writes, carried out by the SQLite read models', () => {
  /** given this history delivered one event at a time, then the read models answer as `then` checks (in memory, no file). */
  const given = (...history: RecordedEvent[]) => ({
    then: (check: (read: SqliteReadModels) => void) => {
      const db = new Database(':memory:');
      try {
        const models = new SqliteReadModels(db);
        for (const event of history) models.apply([event]);
        check(models);
      } finally {
        db.close();
      }
    },
  });
  const passport = (n: number) => ({ ...ref, missionId: `msn_${n}`, jti: `pp_${n}` });
  const issuedAs = (n: number) => recorded('PassportIssued', { ...issued().data, ...passport(n) });

  it('given three passports of an agent, one checked out and one revoked, then a kill switch reaches the open and the checked-out one', () =>
    given(
      issuedAs(1), issuedAs(2), issuedAs(3),
      recorded('MissionCheckedOut', { ...passport(2), summary: 'done', outcome: 'success', at: at(100) }),
      recorded('PassportRevoked', { ...passport(3), reason: 'off-script', scope: 'passport', at: at(100), tokenExpiresAt: at(300) }, ada),
    ).then((read) => {
      expect(read.revocablePassports('ten_1', at(200), 'agt_1').map((p) => p.jti).sort()).toEqual(['pp_1', 'pp_2']);
      expect(read.revocablePassports('ten_1', at(300))).toEqual([]);
      expect(read.revocationsAfter('ten_1', 0, 10).map((r) => [r.jti, r.revokedBy])).toEqual([['pp_3', 'key_ada']]);
    }));

  it('given an intent needing two approvals and one given, then the pending queue shows one of two; once approved, only the approved queue has it', () => {
    const submittedNeedingTwo = recorded('IntentSubmitted', {
      ...intentRef, namedIntent: 'refund.partial', service: 'stripe', action: 'refunds.create',
      call: { service: 'stripe', method: 'POST', scheme: 'https', host: 'api.stripe.com', path: '/v1/refunds', bodyDigest: 'd' },
      amount: null, reason: 'charged twice', authorizationDetails: [], accountabilityMode: 'enforced', submittedAt: at(0), expiresAt: at(900),
      approvalTtlSeconds: 300, policy: { decision: 'require_approval', approvalsRequired: 2, rule: null },
    });
    const firstApproval = recorded('IntentApprovalGiven', { ...intentRef, approver: ada, note: 'ok', given: 1, required: 2, at: at(10) }, ada);
    given(submittedNeedingTwo, firstApproval).then((read) =>
      expect(read.intents('ten_1', 'pending', '', 10)).toEqual([expect.objectContaining({ intentId: 'int_1', approvalsRequired: 2, approvalsGiven: 1 })]));
    const approved = recorded('IntentApproved', { ...intentRef, approvalId: 'apr_1', approvers: [ada, agent], approvalExpiresAt: at(320), at: at(20) });
    given(submittedNeedingTwo, firstApproval, approved).then((read) => {
      expect(read.intents('ten_1', 'pending', '', 10)).toEqual([]);
      expect(read.intents('ten_1', 'approved', '', 10).map((i) => i.intentId)).toEqual(['int_1']);
    });
  });

  it('given two intents, one approved after the other was submitted, then the queue feed after a position gives each changed intent once, at its state, in the order of its last change', () => {
    const submittedAs = (n: number) =>
      recorded('IntentSubmitted', {
        ...intentRef, intentId: `int_${n}`, namedIntent: 'refund.partial', service: 'stripe', action: 'refunds.create',
        call: { service: 'stripe', method: 'POST', scheme: 'https', host: 'api.stripe.com', path: '/v1/refunds', bodyDigest: 'd' },
        amount: null, reason: 'charged twice', authorizationDetails: [], accountabilityMode: 'enforced', submittedAt: at(0), expiresAt: at(900),
        approvalTtlSeconds: 300, policy: { decision: 'require_approval', approvalsRequired: 1, rule: null },
      });
    const first = submittedAs(1);
    const second = submittedAs(2);
    const approved = recorded('IntentApproved', { ...intentRef, intentId: 'int_1', approvalId: 'apr_1', approvers: [ada], approvalExpiresAt: at(320), at: at(20) });
    given(first, second, approved).then((read) => {
      expect(read.intentsChangedAfter('ten_1', 0, 10).map((i) => [i.intentId, i.status, i.position])).toEqual([['int_2', 'pending', second.position], ['int_1', 'approved', approved.position]]);
      expect(read.intentsChangedAfter('ten_1', second.position, 10).map((i) => i.intentId)).toEqual(['int_1']);
      expect(read.intentsChangedAfter('ten_1', 0, 10, true).map((i) => i.intentId)).toEqual(['int_2']);
      expect(read.intentsChangedAfter('ten_2', 0, 10)).toEqual([]);
    });
  });

  it('given missions of two agents in two modes, one checked out, one revoked, one past its end, then the list filters by agent, mode and status, newest first, paged by position', () => {
    const registered = (agentId: string, name: string) =>
      recorded('AgentRegistered', { agentId, tenantId: 'ten_1', name, description: '', accountabilityMode: 'standard', registeredAt: at(0) });
    const missionOf = (n: number, agentId: string, accountabilityMode: 'logged' | 'enforced', expiresAt: string) =>
      recorded('PassportIssued', { ...issued().data, ...passport(n), agentId, accountabilityMode, expiresAt, intent: { summary: `mission ${n}`, services: ['slack'] } });
    given(
      registered('agt_1', 'refund-bot'), registered('agt_2', 'triage-bot'),
      missionOf(1, 'agt_1', 'enforced', at(900)), missionOf(2, 'agt_1', 'enforced', at(900)), missionOf(3, 'agt_2', 'logged', at(900)), missionOf(4, 'agt_2', 'logged', at(100)),
      recorded('MissionCheckedOut', { ...passport(2), summary: 'done', outcome: 'success', at: at(100) }),
      recorded('PassportRevoked', { ...passport(3), agentId: 'agt_2', reason: 'off-script', scope: 'passport', at: at(100), tokenExpiresAt: at(300) }, ada),
    ).then((read) => {
      const list = (filter: Partial<Parameters<SqliteReadModels['missions']>[0]> = {}) =>
        read.missions({ tenantId: 'ten_1', now: at(200), beforePosition: 0, limit: 10, ...filter }).map((m) => `${m.jti} ${m.agentName} ${m.accountabilityMode} ${m.status}`);
      expect(list()).toEqual(['pp_4 triage-bot logged expired', 'pp_3 triage-bot logged revoked', 'pp_2 refund-bot enforced checked_out', 'pp_1 refund-bot enforced active']);
      expect(list({ agentId: 'agt_1' })).toEqual(['pp_2 refund-bot enforced checked_out', 'pp_1 refund-bot enforced active']);
      expect(list({ mode: 'logged', status: 'expired' })).toEqual(['pp_4 triage-bot logged expired']);
      expect(list({ status: 'active' })).toEqual(['pp_1 refund-bot enforced active']);
      const [newest] = read.missions({ tenantId: 'ten_1', now: at(200), beforePosition: 0, limit: 1 });
      expect(read.missions({ tenantId: 'ten_1', now: at(200), beforePosition: newest.position, limit: 1 }).map((m) => m.jti)).toEqual(['pp_3']);
      expect(read.missions({ tenantId: 'ten_2', now: at(200), beforePosition: 0, limit: 10 })).toEqual([]);
    });
  });

  it('given a finding raised and resolved, then it reads resolved with the note and who resolved it', () => {
    const finding = raised();
    given(finding, recorded('SecurityEventResolved', { ...ref, findingId: finding.id, note: 'seen', at: at(90) }, ada)).then((read) =>
      expect(read.securityEvent('ten_1', finding.id)).toMatchObject({ status: 'resolved', resolution: { note: 'seen', by: 'key_ada', at: at(90) }, evidence: ['e7'], revoke: true }));
  });

  it('given two findings, the first resolved after the second was raised, then the findings feed interleaves raises and resolutions by position, each finding as it stands now', () => {
    const first = raised();
    const second = raised();
    const resolution = recorded('SecurityEventResolved', { ...ref, findingId: first.id, note: 'seen', at: at(90) }, ada);
    given(first, second, resolution).then((read) => {
      const changes = (after: number) => read.findingChangesAfter('ten_1', after, 10).map((c) => [c.kind, c.finding.findingId, c.position, c.finding.status]);
      expect(changes(0)).toEqual([
        ['raised', first.id, first.position, 'resolved'],
        ['raised', second.id, second.position, 'open'],
        ['resolved', first.id, resolution.position, 'resolved'],
      ]);
      expect(changes(second.position)).toEqual([['resolved', first.id, resolution.position, 'resolved']]);
      expect(read.findingChangesAfter('ten_1', 0, 10, true).map((c) => [c.kind, c.finding.findingId])).toEqual([['raised', second.id]]);
      expect(read.findingChangesAfter('ten_2', 0, 10)).toEqual([]);
    });
  });

  it('given an agent registered and suspended, and both events delivered again after a restart, then it is listed once, suspended', () => {
    const history = [
      recorded('AgentRegistered', { agentId: 'agt_1', tenantId: 'ten_1', name: 'bot', description: '', accountabilityMode: 'standard', registeredAt: at(0) }),
      recorded('AgentSuspended', { agentId: 'agt_1', reason: 'investigating' }),
    ];
    given(...history, ...history).then((read) =>
      expect(read.agents('ten_1', '', 10)).toEqual([{ agentId: 'agt_1', tenantId: 'ten_1', name: 'bot', description: '', accountabilityMode: 'standard', suspended: true, registeredAt: at(0) }]));
  });
});

describe('audit entries projected live and rebuilt', () => {
  it('given the same intent appended (keys as the handler built them) and read back (keys sorted), then both project the same audit row', () => {
    // given an event as the handler built it, and the same event as the store hands it back after parsing its sorted text
    const submitted = recorded('IntentSubmitted', {
      ...intentRef, namedIntent: 'refund.partial', service: 'stripe', action: 'refunds.create',
      call: { service: 'stripe', method: 'POST', scheme: 'https', host: 'api.stripe.com', path: '/v1/refunds', bodyDigest: 'digest' },
      amount: { value: 50, currency: 'USD' }, reason: 'charged twice', authorizationDetails: [], accountabilityMode: 'enforced',
      submittedAt: at(0), expiresAt: at(900), approvalTtlSeconds: 300,
      policy: { decision: 'require_approval', approvalsRequired: 2, rule: 'refunds-by-hand' },
    });
    const readBack = { ...submitted, data: { ...submitted.data, amount: { currency: 'USD', value: 50 } } };
    const audit = (event: RecordedEvent) => {
      const models = new SqliteReadModels(new Database(':memory:'));
      models.apply([event]);
      return models.audit({ tenantId: event.tenantId, afterPosition: 0, limit: 10 });
    };
    // when each is projected into a fresh read model
    // then the rows are the same, what they say included
    expect(audit(readBack)).toEqual(audit(submitted));
    expect(JSON.stringify(audit(readBack)[0].what)).toBe(JSON.stringify(audit(submitted)[0].what));
  });
});
