#!/usr/bin/env node
'use strict';
// Builds the committed compatibility fixture: a small but varied history written by a built Mandate (whatever
// release `dist/` holds), copied into test/fixtures/history-<label>/. A later release must open that data directory
// unchanged and replay it with zero differences (test/e2e/compatibility.e2e.ts).
//   npm run build && node scripts/make-history-fixture.js v0.1.0
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const label = process.argv[2];
if (!label) {
  console.error('usage: node scripts/make-history-fixture.js LABEL');
  process.exit(2);
}
const ROOT = path.join(__dirname, '..');
const ADMIN = 'mdt_admin.fixture-instance-admin-key-0123456789abcdef';

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-fixture-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/apps/mandate/src/main.js')], {
    env: { ...process.env, PORT: String(port), MANDATE_DATA_DIR: dataDir, MANDATE_ADMIN_KEY: ADMIN, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let ready = false; !ready; ) {
    ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
    if (!ready) await new Promise((r) => setTimeout(r, 50));
  }
  const call = async (method, route, token, body, expected) => {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await res.json();
    if (expected !== undefined && res.status !== expected) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  };

  const tenant = await call('POST', '/v1/tenants', ADMIN, { name: 'fixture' }, 201);
  const key = tenant.admin_key.key;
  const approver = (await call('POST', '/v1/keys', key, { name: 'alice', role: 'approver' }, 201)).key;
  const agent = async (mode, name) => (await call('POST', '/v1/agents', key, { name, accountability_mode: mode }, 201)).id;
  const passport = (agentId, services = ['slack', 'stripe']) =>
    call('POST', '/v1/passports', key, { agent_id: agentId, intent: { summary: 'fixture mission', services } }, 201);
  const enforced = await agent('enforced', 'enforced-bot');
  const logged = await agent('logged', 'logged-bot');
  const standard = await agent('standard', 'standard-bot');
  await call('PATCH', `/v1/agents/${logged}`, key, { accountability_mode: 'logged' }, 200);

  // A mission from start to checkout, then a use after checkout (a refusal and a finding).
  const a = await passport(logged);
  await call('POST', `/v1/passports/${a.jti}/actions`, a.token, { service: 'slack', action: 'chat.postMessage', target: '#support', outcome: 'success' }, 201);
  await call('POST', `/v1/passports/${a.jti}/actions`, a.token, { calls: [{ service: 'slack', action: 'a' }, { service: 'stripe', action: 'b', outcome: 'failure' }] }, 201);
  await call('POST', `/v1/passports/${a.jti}/checkpoint`, a.token, { services_used: ['slack'], actions_count: 3, summary: 'half way' }, 200);
  await call('POST', `/v1/passports/${a.jti}/checkout`, a.token, { summary: 'done', outcome: 'success' }, 200);
  await call('POST', `/v1/passports/${a.jti}/actions`, a.token, { service: 'slack', action: 'late' }, 401);
  await call('POST', '/v1/passports/verify', undefined, { token: a.token }, 200);

  // Approvals: one approved and consumed (then replayed), one rejected for an enforced agent (a revocation).
  const call1 = { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { charge: 'ch_1', amount: 4200 } };
  const b = await passport(logged);
  const i1 = await call('POST', '/v1/intents', b.token, { named_intent: 'stripe:refunds:create', target: 'stripe', action: 'POST /v1/refunds', parameters: call1, amount: { value: 42, currency: 'EUR' }, reason: 'refund' }, 201);
  await call('POST', `/v1/intents/${i1.id}/approve`, approver, { note: 'ok' }, 200);
  await call('POST', `/v1/intents/${i1.id}/consume`, b.token, { service: 'stripe', ...call1, body: { charge: 'ch_1', amount: 420000 } }, 403);
  await call('POST', `/v1/passports/${b.jti}/actions`, b.token, { service: 'stripe', action: 'refunds.create', approval_id: (await call('GET', `/v1/intents/${i1.id}`, b.token, undefined, 200)).approval_id, request: call1 }, 201);
  const c = await passport(enforced);
  const i2 = await call('POST', '/v1/intents', c.token, { named_intent: 'stripe:refunds:create', target: 'stripe', action: 'POST /v1/refunds', parameters: call1, reason: 'refund' }, 201);
  await call('POST', `/v1/intents/${i2.id}/reject`, approver, { note: 'no' }, 200);

  // Policy and detector settings, a scope drift that revokes an enforced agent, a finding resolved.
  await call('PUT', '/v1/policies/intents', key, { default: 'require_approval', rules: [{ name: 'chat', match: { named_intent: 'slack:*' }, decision: 'auto_approve' }] }, 200);
  const d = await passport(enforced);
  const drift = await call('POST', `/v1/passports/${d.jti}/actions`, d.token, { service: 'github', action: 'repos.delete' }, 201);
  const findings = await call('GET', `/v1/security-events?wait_for_position=${drift.position}`, key, undefined, 200);
  await call('POST', `/v1/security-events/${findings.security_events[0].id}/resolve`, key, { note: 'seen' }, 200);

  // The kill switch: one passport, an agent (through suspension), the tenant.
  const e = await passport(standard);
  await call('POST', `/v1/passports/${e.jti}/revoke`, key, { reason: 'off-script' }, 200);
  await passport(logged);
  await call('PATCH', `/v1/agents/${logged}`, key, { status: 'suspended', reason: 'fixture' }, 200);
  await passport(standard);
  await call('POST', '/v1/revocations/all', key, { reason: 'end of fixture' }, 200);

  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const target = path.join(ROOT, 'test', 'fixtures', `history-${label}`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const file of fs.readdirSync(dataDir)) {
    if (/-(wal|shm)$/.test(file)) continue;
    fs.cpSync(path.join(dataDir, file), path.join(target, file), { recursive: true });
  }
  fs.writeFileSync(path.join(target, 'ADMIN_KEY'), `${ADMIN}\n${key}\n`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(`fixture written to ${path.relative(ROOT, target)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
