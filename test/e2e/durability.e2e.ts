/**
 * Durability: kill -9 the server while many clients log calls; after restart every call that got a 2xx is in the
 * audit, none twice.
 *
 * Each call carries a unique `target`, so the raw events of the export say exactly which calls the store holds. A call
 * counts as acknowledged only when its 201 and body arrived in full; a call whose connection died with the server is
 * unanswered, and may or may not have been stored, but never twice.
 */
import { call, newTenant, Tenant } from './support/client';
import { MandateProcess } from './support/server';

const AGENTS = 16;
/** Two clients per passport: concurrent appends to the same mission stream, not only to the store. */
const CLIENTS = 32;
/** The crash comes once the clients have this many acknowledgements: bounded work, whatever the machine's speed. */
const ACKNOWLEDGED_BEFORE_CRASH = 1500;
/** Only a guard against a server that never dies; the load normally ends at the crash, within a few seconds. */
const LOAD_DEADLINE_MS = 30_000;

interface ExportedEvent {
  id: string;
  type: string;
  position: number;
  data: Record<string, any>;
  chainHash: string;
}

let server: MandateProcess;
let acme: Tenant;

beforeAll(async () => {
  server = await MandateProcess.startEmbedded();
  acme = await newTenant(server, 'acme');
});

afterAll(async () => {
  await server?.stop();
});

/** Every raw event of the tenant, from GET /v1/audit/export (NDJSON, one event a line). */
async function exportedEvents(): Promise<ExportedEvent[]> {
  const res = await fetch(`${server.url}/v1/audit/export`, { headers: { authorization: `Bearer ${acme.adminKey}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ExportedEvent);
}

/** Every ToolCallLogged entry of the audit read model, page after page. */
async function auditedToolCalls(): Promise<Array<{ event_id: string; position: number }>> {
  const entries: Array<{ event_id: string; position: number }> = [];
  let cursor = '';
  for (;;) {
    const page = await call(server, 'GET', `/v1/audit?type=ToolCallLogged&limit=1000${cursor && `&cursor=${cursor}`}`, {
      token: acme.adminKey,
    });
    expect(page.status).toBe(200);
    entries.push(...page.body.entries);
    if (!page.body.next_cursor) return entries;
    cursor = page.body.next_cursor;
  }
}

it(`given ${CLIENTS} clients logging tool calls on ${AGENTS} logged passports, when the server is killed with SIGKILL mid-load and restarted, then every acknowledged call is in the audit exactly once`, async () => {
  // Given: logged agents, so each passport lives its whole TTL and no checkpoint is needed during the load.
  const passports: Array<{ jti: string; token: string }> = [];
  for (let i = 0; i < AGENTS; i++) {
    const agentId = await acme.agent('logged', `worker-${i}`);
    passports.push(await acme.passport(agentId, { ttl_seconds: 3600 }));
  }

  // When: the clients log single calls in a loop; the one that sees the threshold crosses it pulls the plug.
  const acknowledged = new Set<string>();
  const unanswered = new Set<string>();
  const refused: Array<{ target: string; status: number; code: unknown }> = [];
  let inFlight = 0;
  let inFlightAtCrash = 0;
  let crash: Promise<void> | null = null;
  const deadline = Date.now() + LOAD_DEADLINE_MS;

  const client = async (c: number) => {
    const { jti, token } = passports[c % AGENTS];
    for (let n = 0; Date.now() < deadline; n++) {
      const target = `call-${c}-${n}`;
      inFlight++;
      let reply;
      try {
        reply = await call(server, 'POST', `/v1/passports/${jti}/actions`, {
          token,
          body: { service: 'slack', action: 'post_message', target, outcome: 'success' },
        });
      } catch {
        unanswered.add(target); // connection refused or cut: the server is gone, this client is done
        return;
      } finally {
        inFlight--;
      }
      if (reply.status === 201 && reply.body?.logged === 1) acknowledged.add(target);
      else refused.push({ target, status: reply.status, code: reply.body?.code });
      if (!crash && acknowledged.size >= ACKNOWLEDGED_BEFORE_CRASH) {
        inFlightAtCrash = inFlight;
        crash = server.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

  expect(crash).not.toBeNull(); // the threshold was reached before the deadline
  await crash;
  expect(inFlightAtCrash).toBeGreaterThan(0); // the kill landed while requests were in flight
  expect(refused).toEqual([]); // while it was up, the server acknowledged every call it answered
  expect(acknowledged.size).toBeGreaterThanOrEqual(ACKNOWLEDGED_BEFORE_CRASH);

  // Then: after a restart on the same data dir (ready = read models caught up with the store as of start-up) ...
  await server.restart();
  const events = await exportedEvents();
  const toolCalls = events.filter((e) => e.type === 'ToolCallLogged');
  const copies = new Map<string, number>();
  for (const e of toolCalls) copies.set(e.data.target, (copies.get(e.data.target) ?? 0) + 1);

  // ... every acknowledged call is stored, none twice, and nothing is stored that was not sent in flight or acknowledged.
  expect([...acknowledged].filter((target) => !copies.has(target))).toEqual([]);
  expect([...copies].filter(([, n]) => n > 1)).toEqual([]);
  expect([...copies.keys()].filter((target) => !acknowledged.has(target) && !unanswered.has(target))).toEqual([]);
  expect(toolCalls.length).toBeGreaterThanOrEqual(acknowledged.size);
  expect(toolCalls.length).toBeLessThanOrEqual(acknowledged.size + unanswered.size);

  // The log has no hole: this tenant is the store's only one, so its positions run on without a gap.
  const positions = events.map((e) => e.position);
  expect(positions).toEqual(positions.map((_, i) => positions[0] + i));

  // The audit read model holds exactly the stored calls: readiness meant it had caught up.
  const audited = await auditedToolCalls();
  expect(audited.length).toBe(toolCalls.length);
  expect(audited.map((e) => e.event_id).sort()).toEqual(toolCalls.map((e) => e.id).sort());

  // The hash chain survived the kill ...
  const verified = await call(server, 'GET', '/v1/audit/verify', { token: acme.adminKey });
  expect(verified.status).toBe(200);
  expect(verified.body).toEqual({ ok: true, checked: events.length, first_break: null });

  // ... and the restarted server appends to the same streams and the same chain.
  const after = await call(server, 'POST', `/v1/passports/${passports[0].jti}/actions`, {
    token: passports[0].token,
    body: { service: 'slack', action: 'post_message', target: 'after-restart' },
  });
  expect(after.status).toBe(201);
  expect(after.body.position).toBe(positions[positions.length - 1] + 1);
  const reverified = await call(server, 'GET', '/v1/audit/verify', { token: acme.adminKey });
  expect(reverified.body).toEqual({ ok: true, checked: events.length + 1, first_break: null });
});
