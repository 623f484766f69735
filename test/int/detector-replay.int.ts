import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NewEvent, newEventId, systemClock } from '@mandate/core';
import { replayReport, SIGNALS } from '@mandate/detectors';
import { InProcessEventStream } from '@mandate/event-store';
import { AggregateRepository, MandateConfig, Revocations, RevokeCommands } from '@mandate/platform';
import { EmbeddedStorage } from '../../libs/platform/src/embedded/storage-client';
import { DetectorRunner } from '../../apps/detector/src/runner/detector-runner';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const MODES = ['standard', 'logged', 'enforced'] as const;

/**
 * A history that exercises every signal: 1,000 missions in waves of 10 running side by side, with out-of-scope calls,
 * bursts, batches, checkpoints, missed checkpoints (ticks past the deadline), checkouts followed by use, refused
 * approvals, operator revocations, and calls through the credential proxy (to jira, which no agent here logs, and
 * refused ones outside the mission).
 */
function* history(): Generator<{ streamId: string; event: NewEvent }> {
  let clock = T0;
  const at = () => new Date(clock).toISOString();
  const envelope = (type: string, tenantId: string, data: unknown, actorId = 'gen'): NewEvent => ({
    id: newEventId(), type, schemaVersion: 1, tenantId, occurredAt: at(), actor: { kind: 'passport', id: actorId }, causationId: null, correlationId: newEventId(), data,
  });
  for (let a = 0; a < 50; a++) {
    const agentId = `agt_gen${a}`;
    yield { streamId: `agent-${agentId}`, event: envelope('AgentRegistered', `ten_gen${a % 5}`, { agentId, tenantId: `ten_gen${a % 5}`, name: `agent ${a}`, description: '', accountabilityMode: MODES[a % 3], registeredAt: at() }) };
  }
  for (let t = 0; t < 5; t++) {
    const tenantId = `ten_gen${t}`;
    yield { streamId: `services-${tenantId}`, event: { ...envelope('ServiceRegistered', tenantId, { service: 'jira', hosts: ['jira.example'], internalHosts: [], presentation: { kind: 'bearer' }, secretId: `sec_gen${t}`, at: at() }), actor: { kind: 'operator', id: 'key' } } };
  }
  for (let wave = 0; wave < 100; wave++) {
    const missions = Array.from({ length: 10 }, (_, i) => {
      const n = wave * 10 + i;
      const agent = n % 50;
      return { n, tenantId: `ten_gen${agent % 5}`, ref: { missionId: `msn_gen${n}`, jti: `pp_gen${n}`, agentId: `agt_gen${agent}` }, mode: MODES[agent % 3], closed: false };
    });
    for (const m of missions) {
      yield {
        streamId: `mission-${m.ref.missionId}`,
        event: envelope('PassportIssued', m.tenantId, { ...m.ref, tenantId: m.tenantId, accountabilityMode: m.mode, intent: { summary: 'generated', services: ['slack', 'jira'] }, ttlSeconds: 3600, checkpointIntervalSeconds: 60, issuedAt: at(), expiresAt: new Date(clock + 3600_000).toISOString(), leashExpiresAt: new Date(clock + 60_000).toISOString(), checkpointDueAt: new Date(clock + 60_000).toISOString(), idempotencyKey: null, requestFingerprint: 'g' }, m.ref.jti),
      };
    }
    for (let step = 0; step < 980; step++) {
      clock += 250;
      const m = missions[step % 10];
      const mission = `mission-${m.ref.missionId}`;
      const roll = (m.n * 31 + step * 17) % 100;
      if (m.closed) {
        yield { streamId: mission, event: envelope('PassportUseRefused', m.tenantId, { ...m.ref, operation: roll % 2 ? 'verify' : 'tool_call', code: 'PASSPORT_CHECKED_OUT', at: at(), services: ['slack'] }, m.ref.jti) };
      } else if (roll === 92) {
        // A bound passport presented with another key's proof (stolen_passport).
        yield { streamId: mission, event: envelope('PassportUseRefused', m.tenantId, { ...m.ref, operation: 'tool_call', code: 'DPOP_KEY_MISMATCH', at: at(), services: [] }, m.ref.jti) };
      } else if (roll < 3) {
        yield { streamId: mission, event: envelope('ToolCallLogged', m.tenantId, { ...m.ref, service: 'github', action: 'repos.delete', outcome: 'success', at: at() }, m.ref.jti) };
      } else if (roll < 5) {
        yield { streamId: mission, event: envelope('ToolCallsLogged', m.tenantId, { ...m.ref, calls: Array.from({ length: 20 }, () => ({ service: 'slack', action: 'post', outcome: 'success' })), at: at() }, m.ref.jti) };
      } else if (roll < 7 && m.n % 4 === 0) {
        const checkpointDueAt = new Date(clock + 60_000).toISOString();
        yield { streamId: mission, event: envelope('CheckpointRecorded', m.tenantId, { ...m.ref, servicesUsed: ['slack'], actionsCount: step, summary: '', at: at(), leashExpiresAt: checkpointDueAt, checkpointDueAt }, m.ref.jti) };
      } else if (roll < 8) {
        yield { streamId: `intent-int_gen${m.n}_${step}`, event: envelope('ApprovalRefused', m.tenantId, { ...m.ref, intentId: `int_gen${m.n}_${step}`, approvalId: `apr_gen${m.n}_${step}`, presentedBy: m.ref.jti, reason: roll % 2 ? 'call_mismatch' : 'consumed', mismatched: ['body'], at: at() }, m.ref.jti) };
      } else if (roll === 90) {
        yield { streamId: mission, event: envelope('ProxiedCallRefused', m.tenantId, { ...m.ref, callId: `pc_gen${m.n}_${step}`, service: 'github', method: 'DELETE', host: 'api.github.com', path: '/repos/x', code: 'PROXY_SERVICE_NOT_IN_MISSION', detail: 'not in the mission', at: at() }, m.ref.jti) };
      } else if (roll === 88 || roll === 96 || roll === 98) {
        // Rolls of the missions that check out (8) and of those that checkpoint (6): their reports leave jira out.
        const call = { ...m.ref, callId: `pc_gen${m.n}_${step}`, service: 'jira', method: 'GET', host: 'jira.example', path: '/rest/api/2/issue' };
        yield { streamId: mission, event: envelope('ProxiedCallStarted', m.tenantId, { ...call, requestBytes: 0, requestDigest: 'd', at: at() }, m.ref.jti) };
        yield { streamId: mission, event: envelope('ProxiedCallEnded', m.tenantId, { ...call, outcome: 'success', status: 200, code: null, latencyMs: 3, responseBytes: 2, responseDigest: 'd', masked: 0, at: at() }, m.ref.jti) };
      } else if (roll === 8 && step > 600) {
        m.closed = true;
        yield { streamId: mission, event: envelope('MissionCheckedOut', m.tenantId, { ...m.ref, summary: 'done', outcome: 'success', at: at() }, m.ref.jti) };
      } else {
        yield { streamId: mission, event: envelope('ToolCallLogged', m.tenantId, { ...m.ref, service: 'slack', action: 'post', outcome: 'success', at: at() }, m.ref.jti) };
      }
      if (step % 30 === 29) yield { streamId: 'clock', event: { ...envelope('ClockTicked', '_system', { at: at() }), actor: { kind: 'system', id: 'clock' } } };
    }
  }
}

describe('detectors: live findings and a replay of the same history are identical', () => {
  it('given 100,000+ events across 1,000 missions, with a restart halfway, then replay finds zero differences and every signal fired', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-replay-'));
    const storage = await EmbeddedStorage.start(dir);
    const config = { dataDir: dir } as MandateConfig;
    const start = () => {
      const repository = new AggregateRepository(storage.store);
      const revocations = new Revocations(repository, storage.readModels, storage.store, systemClock);
      const runner = new DetectorRunner(repository, storage.store, storage.readModels, new InProcessEventStream(storage.store), new RevokeCommands(storage, revocations), systemClock, config);
      runner.onApplicationBootstrap();
      return runner;
    };
    const caughtUp = async (runner: DetectorRunner) => {
      // The runner appends findings and revocations as it goes: done when it has handled everything, its own included.
      for (;;) {
        const head = await storage.store.headPosition();
        await runner.handledAfter(head, 60_000);
        if (runner.handledPosition >= (await storage.store.headPosition())) return;
      }
    };
    try {
      const events = [...history()];
      expect(events.length).toBeGreaterThanOrEqual(100_000);
      const appendAll = async (slice: typeof events) => {
        for (let i = 0; i < slice.length; i += 500) {
          await Promise.all(slice.slice(i, i + 500).map(({ streamId, event }) => storage.store.append(streamId, [event], 'any')));
        }
      };
      let runner = start();
      await appendAll(events.slice(0, 50_000));
      await caughtUp(runner);
      await runner.onApplicationShutdown();
      // While no detector runs, history goes on; the next one resumes from its checkpoint.
      await appendAll(events.slice(50_000));
      runner = start();
      await caughtUp(runner);
      await runner.onApplicationShutdown();

      const report = await replayReport((after, limit) => storage.store.readAll(after, limit));
      expect(report.differences).toEqual([]);
      expect(report.revocation_differences).toEqual([]);
      expect(report.identical).toBe(true);
      expect(report.events).toBeGreaterThanOrEqual(100_000);
      expect(report.revocations.live).toBeGreaterThan(0);
      const raised = new Set<string>();
      for (let after = 0; ; ) {
        const page = await storage.store.readAll(after, 5000);
        if (page.length === 0) break;
        page.filter((e) => e.type === 'SecurityEventRaised').forEach((e) => raised.add((e.data as { signal: string }).signal));
        after = page[page.length - 1].position;
      }
      expect([...raised].sort()).toEqual([...SIGNALS].sort());
    } finally {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
