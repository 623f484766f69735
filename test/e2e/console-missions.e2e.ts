/**
 * The console's Missions and Audit pages in a real browser, against the real server (embedded or behind the front
 * door): the list of missions and its filters, a mission's timeline with what the agent reported beside what Mandate
 * observed through its credential proxy (a real HTTPS upstream on loopback, signed by a throwaway CA), the chain's
 * verification, the passport's kill switch, and the audit export downloaded as a file.
 * The harness (server, browser, sign-in, screenshots, axe) is ./support/console.ts. Nothing sleeps.
 */
import * as fs from 'fs';
import { makeTestCertificates } from '../int/support/test-ca';
import { call, newTenant, Tenant } from './support/client';
import { accessibilityViolations, ConsolePage, Issued, openConsole, refundBot, screenshot, server, signIn, startServerWith, submitIntent } from './support/console';
import { json, TestUpstream } from './support/upstream';

const certificates = makeTestCertificates();
startServerWith({ MANDATE_PROXY_CA_FILE: certificates.caFile });

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await TestUpstream.start({ '/v1/refunds': json(200, { id: 're_1', status: 'succeeded' }) }, certificates);
});
afterAll(async () => {
  await upstream?.close();
  fs.rmSync(certificates.dir, { recursive: true, force: true });
});

/** Until the audit's read model holds every write so far: the pages read it once when opened. */
async function auditCaughtUp(tenant: Tenant): Promise<void> {
  const head = (await call(server, 'GET', '/readyz')).body.head as number;
  await tenant.audit(`?limit=1&wait_for_position=${head}`);
}

/** The timeline of a mission, by its address (as a link shared between operators would open it). */
async function openTimeline(page: ConsolePage['page'], jti: string): Promise<void> {
  await page.goto(`${server.url}/console#missions/${jti}`);
  await page.locator(`#missions-page [data-jti="${jti}"] h1`, { hasText: 'Mission: ' }).waitFor();
}

/** A filter of the missions list, by its label (the Agents page has an "Agents" section of its own). */
const filter = (page: ConsolePage['page'], label: string) => page.locator('#missions-page').getByLabel(label, { exact: true });

const missionCard = (page: ConsolePage['page'], jti: string) => page.locator(`#missions-page li[data-jti="${jti}"]`);

/** The jtis the list shows once its answer to the filters as they are now has arrived. */
async function listed(page: ConsolePage['page']): Promise<string[]> {
  await page.locator('#missions-page ul.missions[aria-busy="false"]').waitFor({ state: 'attached' });
  return page.locator('#missions-page ul.missions > li').evaluateAll((items) => items.map((item) => item.getAttribute('data-jti') ?? ''));
}

/** A mission through the proxy, reported and observed, with intents decided, a checkpoint, a finding and a revocation. */
async function fullMission(tenant: Tenant, name = 'ledger-bot', summary = 'refund duplicate charges'): Promise<Issued> {
  const register = await call(server, 'POST', '/v1/services', {
    token: tenant.adminKey,
    // The test upstream is on loopback, so the service is marked internal (as an operator would a service on their LAN).
    body: { name: 'stripe', hosts: ['localhost'], internal_hosts: ['localhost'], presentation: { kind: 'bearer' }, secret: 'sk_test_console_missions' },
  });
  expect(register.status).toBe(201);
  const bot = await refundBot(tenant, 'logged', name, summary);
  const reported = await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: { service: 'stripe', action: 'refunds.create', target: 'ch_4821' } });
  expect(reported.status).toBe(201);
  const observed = await call(server, 'POST', '/v1/proxy', { token: bot.token, body: { service: 'stripe', method: 'POST', url: `${upstream.origin}/v1/refunds`, body: { charge: 'ch_4821' } } });
  expect(observed.status).toBe(200);
  const refused = await call(server, 'POST', '/v1/proxy', { token: bot.token, body: { service: 'stripe', method: 'GET', url: 'https://evil.example/x' } });
  expect(refused.body.code).toBe('PROXY_HOST_NOT_ALLOWED');
  const approved = await submitIntent(bot);
  expect((await call(server, 'POST', `/v1/intents/${approved}/approve`, { token: tenant.adminKey, body: { note: 'duplicate confirmed' } })).status).toBe(200);
  const rejected = await submitIntent(bot, { amount: { value: 900, currency: 'EUR' } });
  expect((await call(server, 'POST', `/v1/intents/${rejected}/reject`, { token: tenant.adminKey, body: { note: 'too much' } })).status).toBe(200);
  const checkpoint = await call(server, 'POST', `/v1/passports/${bot.jti}/checkpoint`, { token: bot.token, body: { services_used: ['stripe'], actions_count: 2, summary: 'first refund done' } });
  expect(checkpoint.status).toBe(200);
  // A service the mission never named: the scope drift detector raises a finding.
  const drift = await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: { service: 'github', action: 'repos.delete' } });
  expect(drift.status).toBe(201);
  expect((await call(server, 'POST', `/v1/passports/${bot.jti}/revoke`, { token: tenant.adminKey, body: { reason: 'drifted to github' } })).status).toBe(200);
  await auditCaughtUp(tenant);
  return bot;
}

describe('the missions list', () => {
  it('given agents in each mode with a mission active, one checked out and one revoked, when an auditor filters by agent, status and mode, then the list shows just the missions that match, newest first', async () => {
    const acme = await newTenant(server, 'console-missions-list');
    const active = await refundBot(acme, 'enforced', 'active-bot', 'refund duplicate charges');
    const done = await refundBot(acme, 'logged', 'done-bot', 'answer refund tickets');
    const stopped = await refundBot(acme, 'standard', 'stopped-bot', 'close stale disputes');
    expect((await call(server, 'POST', `/v1/passports/${done.jti}/checkout`, { token: done.token, body: { summary: 'all tickets answered', outcome: 'success' } })).status).toBe(200);
    expect((await call(server, 'POST', `/v1/passports/${stopped.jti}/revoke`, { token: acme.adminKey, body: { reason: 'off-script' } })).status).toBe(200);
    const auditor = await acme.key('auditor');

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, auditor, 'auditor');
    await page.getByRole('link', { name: 'Missions' }).click();
    expect(await listed(page)).toEqual([stopped.jti, done.jti, active.jti]);
    expect(await missionCard(page, done.jti).locator('.status').textContent()).toBe('checked out');
    expect(await missionCard(page, stopped.jti).locator('.status').textContent()).toBe('revoked');
    await missionCard(page, active.jti).getByText('active-bot').waitFor();
    await screenshot(page, 'missions');

    await filter(page, 'Agent').selectOption(done.agentId);
    expect(await listed(page)).toEqual([done.jti]);
    await filter(page, 'Agent').selectOption('');
    await filter(page, 'Status').selectOption('revoked');
    expect(await listed(page)).toEqual([stopped.jti]);
    await filter(page, 'Status').selectOption('active');
    expect(await listed(page)).toEqual([active.jti]);
    await filter(page, 'Status').selectOption('');
    await filter(page, 'Mode').selectOption('logged');
    expect(await listed(page)).toEqual([done.jti]);
    await filter(page, 'Mode').selectOption('enforced');
    await filter(page, 'Status').selectOption('checked_out');
    expect(await listed(page)).toEqual([]);
    await page.getByText('No mission matches these filters.').waitFor();

    // A mission opens its timeline; the back link returns to the list, its filters as they were.
    await filter(page, 'Status').selectOption('');
    await missionCard(page, active.jti).getByRole('link', { name: 'refund duplicate charges' }).click();
    await page.locator('#missions-page h1', { hasText: 'Mission: refund duplicate charges' }).waitFor();
    expect(page.url()).toContain(`#missions/${active.jti}`);
    await page.getByRole('link', { name: '← All missions' }).click();
    expect(await listed(page)).toEqual([active.jti]);
    expect(await filter(page, 'Mode').inputValue()).toBe('enforced');
    expect(opened.errors).toEqual([]);
  });

  it('given more missions than a page holds, when the auditor asks for more, then the older ones follow the newer, none twice', async () => {
    const acme = await newTenant(server, 'console-missions-pages');
    const agentId = await acme.agent('logged', 'busy-bot');
    const issued: string[] = [];
    // One more than the page the console asks for (50).
    for (let i = 0; i < 51; i++) issued.push((await acme.passport(agentId, { intent: { summary: `ticket ${i}`, services: ['slack'] } })).jti);
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, await acme.key('auditor'), 'auditor');
    await page.getByRole('link', { name: 'Missions' }).click();
    expect(await listed(page)).toEqual(issued.slice(1).reverse());
    await page.getByText('50 missions, and more, newest first.').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    expect(await listed(page)).toEqual([...issued].reverse());
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);
  });
});

describe("a mission's timeline", () => {
  it('given a mission with reported and observed calls, intents decided, a checkpoint, a finding and a revocation, when an admin opens its timeline, then each is there in position order, calls in their two columns, with the chain verified', async () => {
    const acme = await newTenant(server, 'console-timeline');
    const bot = await fullMission(acme);
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    await openTimeline(page, bot.jti);
    const timeline = page.locator('#missions-page ol.timeline[aria-busy="false"]');
    await timeline.waitFor();

    const types = await timeline.locator('li.entry').evaluateAll((items) => items.map((item) => [item.getAttribute('data-type'), item.classList.contains('reported') ? 'reported' : item.classList.contains('observed') ? 'observed' : 'span']));
    const positions = await timeline.locator('li.entry').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-position'))));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(types).toEqual(
      expect.arrayContaining([
        ['PassportIssued', 'span'],
        ['ToolCallLogged', 'reported'],
        ['ProxiedCallStarted', 'observed'],
        ['ProxiedCallEnded', 'observed'],
        ['ProxiedCallRefused', 'observed'],
        ['IntentSubmitted', 'span'],
        ['IntentApprovalGiven', 'span'],
        ['IntentRejected', 'span'],
        ['CheckpointRecorded', 'span'],
        ['SecurityEventRaised', 'span'],
        ['PassportRevoked', 'span'],
      ]),
    );
    expect(types[0]).toEqual(['PassportIssued', 'span']);

    // Side by side: what the agent reported on the left, what Mandate forwarded on the right.
    const refund = timeline.locator('li[data-type="ToolCallLogged"]', { hasText: 'refunds.create' });
    const reported = (await refund.boundingBox())!;
    const observed = (await timeline.locator('li[data-type="ProxiedCallStarted"]').boundingBox())!;
    const across = (await timeline.locator('li[data-type="PassportIssued"]').boundingBox())!;
    expect(reported.x + reported.width).toBeLessThanOrEqual(observed.x);
    expect(across.width).toBeGreaterThan(reported.width + observed.width);
    expect(await refund.innerText()).toContain('ch_4821');
    const started = await timeline.locator('li[data-type="ProxiedCallStarted"]').innerText();
    expect(started).toContain('/v1/refunds');
    expect(started).toContain('success');
    expect(await timeline.locator('li[data-type="ProxiedCallRefused"]').innerText()).toContain('PROXY_HOST_NOT_ALLOWED');
    expect(await timeline.locator('li[data-type="IntentApprovalGiven"]').innerText()).toContain('duplicate confirmed');
    expect(await timeline.locator('li[data-type="IntentRejected"]').innerText()).toContain('too much');
    expect(await timeline.locator('li[data-type="SecurityEventRaised"]').first().innerText()).toContain('scope_drift');
    expect(await timeline.locator('li[data-type="PassportRevoked"]').first().innerText()).toMatch(/drifted to github|scope_drift/);

    await page.locator('#missions-page .chain[data-ok="true"]', { hasText: 'Audit chain verified' }).waitFor();
    const facts = await page.locator('#missions-page .passport').innerText();
    expect(facts).toContain('ledger-bot');
    expect(facts).toContain('revoked');
    expect(facts).toContain('2 reported, 1 observed, 1 checkpoint');
    // A revoked passport has no kill switch to offer.
    expect(await page.getByRole('button', { name: 'Review' }).count()).toBe(0);
    await screenshot(page, 'mission-timeline');
    expect(opened.errors).toEqual([]);
  });

  it('given an operator on the timeline of a live mission, when they review, cancel, then confirm the kill switch naming the agent and mission, then the passport is revoked; the audit, which an operator may not read, is said to need an auditor', async () => {
    const acme = await newTenant(server, 'console-timeline-kill');
    const bot = await refundBot(acme, 'enforced', 'payout-bot', 'pay out approved refunds');
    const operator = await acme.key('operator');
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, operator, 'operator');
    await openTimeline(page, bot.jti);
    await page.getByText('only an auditor or an admin key may read').waitFor();
    expect(await page.locator('#missions-page ol.timeline').count()).toBe(0);

    await page.locator('#missions-page').getByLabel('Reason (recorded, optional)').fill('payouts paused');
    await page.locator('#missions-page').getByRole('button', { name: 'Review' }).click();
    const confirmation = page.locator('#missions-page .confirmation');
    await confirmation.getByText(`This stops passport ${bot.jti} (active) of agent payout-bot`).waitFor();
    expect(await confirmation.innerText()).toContain('on the mission “pay out approved refunds”');
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirmation.isHidden()).toBe(true);
    expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: bot.token } })).body.active).toBe(true);

    await page.locator('#missions-page').getByRole('button', { name: 'Review' }).click();
    await confirmation.getByRole('button', { name: `Revoke passport ${bot.jti}` }).click();
    await page.locator('#missions-page .passport .status', { hasText: 'revoked' }).waitFor();
    await page.locator('#missions-page .passport', { hasText: 'payouts paused' }).waitFor();
    expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: bot.token } })).body.active).toBe(false);
    expect(opened.errors).toEqual([]);
  });
});

describe('the audit page', () => {
  it('given a tenant with history, when an auditor opens the audit page and downloads the export, then the chain is verified, the progress reaches its end and the file holds exactly the bytes of the export', async () => {
    const acme = await newTenant(server, 'console-audit');
    await fullMission(acme);
    const auditor = await acme.key('auditor');
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, auditor, 'auditor');
    await page.getByRole('link', { name: 'Audit' }).click();
    const verified = page.locator('#audit-page .chain[data-ok="true"]');
    await verified.waitFor();
    const checked = (await call(server, 'GET', '/v1/audit/verify', { token: auditor })).body.checked as number;
    expect(await verified.textContent()).toContain(`${checked} events of the tenant checked, none altered`);

    await page.getByRole('button', { name: 'Download export' }).click();
    const save = page.locator('#audit-page a.save:not([hidden])');
    await save.waitFor();
    const progress = await page.locator('#export-progress').evaluate((bar) => [Number(bar.getAttribute('value')), Number(bar.getAttribute('max'))]);
    expect(progress).toEqual([checked, checked]);
    await page.locator('#audit-page').getByText(`Export complete: ${checked} events`).waitFor();
    await screenshot(page, 'audit');

    const [download] = await Promise.all([page.waitForEvent('download'), save.click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^mandate-audit-${acme.tenantId}-.*\\.ndjson$`));
    const file = fs.readFileSync((await download.path())!);
    const direct = await fetch(`${server.url}/v1/audit/export`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(file.equals(Buffer.from(await direct.arrayBuffer()))).toBe(true);
    expect(file.toString('utf8').trimEnd().split('\n')).toHaveLength(checked);
    expect(opened.errors).toEqual([]);
  });

  it('given an operator, then the console offers no audit page, and the verification refuses its key', async () => {
    const acme = await newTenant(server, 'console-audit-operator');
    const operator = await acme.key('operator');
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, operator, 'operator');
    expect(await page.locator('#pages a[data-page="audit"]').isHidden()).toBe(true);
    await page.goto(`${server.url}/console#audit`);
    await page.locator('#who-text', { hasText: 'operator key' }).waitFor();
    expect(await page.locator('#audit-page').isHidden()).toBe(true);
    expect((await call(server, 'GET', '/v1/audit/verify', { token: operator })).status).toBe(403);
  });
});

describe('hostile input is shown as text, never run', () => {
  it('given an agent whose name, mission and calls are full of markup and script, when an admin reads its mission in the list and the timeline, then nothing runs, no element is injected and each string reads as sent', async () => {
    const acme = await newTenant(server, 'console-missions-hostile');
    const hostile = {
      name: `<img src=x onerror="window.__pwned='name'">`,
      summary: `<script>window.__pwned='summary'</script>`,
      action: `<a href="javascript:window.__pwned='action'">click</a>`,
      target: `"><svg onload="window.__pwned='target'"></svg>`,
      revocation: `</li><iframe src="javascript:alert('revocation')"></iframe>`,
    };
    const bot = await refundBot(acme, 'logged', hostile.name, hostile.summary);
    expect((await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: { service: 'stripe', action: hostile.action, target: hostile.target } })).status).toBe(201);
    expect((await call(server, 'POST', `/v1/passports/${bot.jti}/revoke`, { token: acme.adminKey, body: { reason: hostile.revocation } })).status).toBe(200);
    await auditCaughtUp(acme);

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    await page.getByRole('link', { name: 'Missions' }).click();
    const listedCard = missionCard(page, bot.jti);
    await listedCard.getByRole('link', { name: hostile.summary }).waitFor();
    expect(await listedCard.innerText()).toContain(hostile.name);
    await filter(page, 'Agent').locator('option', { hasText: hostile.name }).waitFor({ state: 'attached' });
    await screenshot(page, 'hostile-missions');

    await listedCard.getByRole('link').click();
    const timeline = page.locator('#missions-page ol.timeline[aria-busy="false"]');
    await timeline.waitFor();
    await page.locator('#missions-page h1', { hasText: `Mission: ${hostile.summary}` }).waitFor();
    const reported = await timeline.locator('li[data-type="ToolCallLogged"]').innerText();
    expect(reported).toContain(hostile.action);
    expect(reported).toContain(hostile.target);
    expect(await timeline.locator('li[data-type="PassportRevoked"]').innerText()).toContain(hostile.revocation);
    expect(await page.locator('#missions-page .passport').innerText()).toContain(hostile.name);
    await screenshot(page, 'hostile-timeline');

    expect(opened.dialogs).toEqual([]);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(await page.locator('img, svg, iframe, a[href^="javascript"], script:not([src="/console/console.js"])').count()).toBe(0);
    expect(opened.errors).toEqual([]);
  });
});

describe('accessibility', () => {
  it('given the missions list, a timeline and the audit page with content on them, when axe-core checks each, then it reports no serious or critical violation', async () => {
    const acme = await newTenant(server, 'console-missions-axe');
    const bot = await fullMission(acme);
    // CSP is bypassed in this context only, so that axe's script can be injected into the page.
    const opened = await openConsole({ bypassCSP: true });
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    const results: Record<string, string[]> = {};
    await page.getByRole('link', { name: 'Missions' }).click();
    await missionCard(page, bot.jti).waitFor();
    results.missions = await accessibilityViolations(page);
    await missionCard(page, bot.jti).getByRole('link').click();
    await page.locator('#missions-page ol.timeline[aria-busy="false"] li[data-type="ProxiedCallStarted"]').waitFor();
    await page.locator('#missions-page .chain[data-ok]').waitFor();
    results.timeline = await accessibilityViolations(page);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.locator('#audit-page .chain[data-ok]').waitFor();
    await page.getByRole('button', { name: 'Download export' }).click();
    await page.locator('#audit-page a.save:not([hidden])').waitFor();
    results.audit = await accessibilityViolations(page);
    expect(results).toEqual({ missions: [], timeline: [], audit: [] });
  });
});
