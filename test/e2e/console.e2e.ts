/**
 * The operator console in a real browser: Chromium from Debian's packages (scripts/browser.sh) driven by
 * playwright-core, against the real server on loopback, embedded or behind the front door. An agent works through the
 * HTTP API while a person uses the console; what the agent sees (its long poll, its next call) and what the page shows
 * are both asserted.
 * The harness (server, browser, sign-in, screenshots, axe) is ./support/console.ts.
 *
 * Nothing sleeps: every step awaits an element, a request or an answer. Screenshots of each page are saved under
 * .cache/console-screenshots/<topology>/ for a reviewer, and their paths printed.
 */
import { Request } from 'playwright-core';
import { call, newTenant } from './support/client';
import {
  accessibilityViolations,
  card,
  openConsole,
  refundBot,
  REFUND_URL,
  restartRevocationStream,
  screenshot,
  server,
  signIn,
  submitIntent,
  tabTo,
} from './support/console';

describe('served by Mandate at /console', () => {
  it('given the server, when /console is asked for, then it answers the page, its script and its style with a strict CSP, nosniff and no referrer, and anything else under /console/ with 404 problem details', async () => {
    const page = await call(server, 'GET', '/console');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives).toMatchObject({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
    });
    // No inline script or style, no eval, no other origin anywhere in the policy.
    expect(csp).not.toMatch(/unsafe-|https?:|\*|data:|blob:|nonce-|sha\d+-/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.body).toContain('<script src="/console/console.js" defer></script>');
    expect(page.body).not.toMatch(/<script>|<style|style="|\son[a-z]+=/);

    for (const [file, type] of [['console.js', 'text/javascript; charset=utf-8'], ['console.css', 'text/css; charset=utf-8']]) {
      const asset = await call(server, 'GET', `/console/${file}`);
      expect([asset.status, asset.headers.get('content-type'), asset.headers.get('content-security-policy')]).toEqual([200, type, csp]);
    }
    expect((await call(server, 'GET', '/console/')).status).toBe(200);
    expect((await fetch(`${server.url}/console`, { method: 'HEAD' })).status).toBe(200);

    const unknown = await call(server, 'GET', '/console/approvals');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(unknown.body).toMatchObject({ status: 404, code: 'NOT_FOUND', instance: '/console/approvals' });
    expect((await call(server, 'POST', '/console', { body: {} })).status).toBe(404);
    // The console is no API operation: the contract does not list it.
    const contract = await call(server, 'GET', '/openapi.json');
    expect(Object.keys(contract.body.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
  });
});

describe('sign-in and roles', () => {
  it('given a key of each role, when it signs in, then the console names the role and offers only what the role may do; the key lives in sessionStorage only and is gone at sign-out', async () => {
    const acme = await newTenant(server, 'console-roles');
    const bot = await refundBot(acme);
    const intentId = await submitIntent(bot);
    const keys = { admin: acme.adminKey, operator: await acme.key('operator'), approver: await acme.key('approver'), auditor: await acme.key('auditor') };
    const expected = {
      admin: { activity: true, killSwitch: true, decide: true },
      operator: { activity: true, killSwitch: true, decide: false },
      approver: { activity: false, killSwitch: false, decide: true },
      auditor: { activity: true, killSwitch: false, decide: false },
    };

    for (const [role, key] of Object.entries(keys) as Array<[keyof typeof keys, string]>) {
      const opened = await openConsole();
      const { page } = opened;
      await signIn(opened, key, role);
      await card(page, intentId).locator('.url').waitFor();
      expect({
        activity: await page.locator('a[data-page="activity"]').isVisible(),
        killSwitch: await page.locator('a[data-page="kill-switch"]').isVisible(),
        decide: (await card(page, intentId).locator('button[data-action="approve"]').count()) > 0,
      }).toEqual(expected[role]);
      // Where the key is, and where it is not.
      expect(await page.evaluate(() => ({ session: sessionStorage.getItem('mandate.console.key'), local: localStorage.length, cookie: document.cookie }))).toEqual({ session: key, local: 0, cookie: '' });
      expect(page.url()).not.toContain(key.split('.')[3]);
      expect(await page.context().cookies()).toEqual([]);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#sign-in-page').waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(await page.locator('li[data-intent-id]').count()).toBe(0);
      expect(opened.errors).toEqual([]);
    }
  });

  it('given a key that is not one, when it signs in, then the console says so and stays on the sign-in page', async () => {
    const opened = await openConsole();
    await opened.page.waitForFunction(() => document.activeElement?.id === 'key');
    await opened.page.keyboard.insertText('mdt.tnt_nobody.key_nobody.not-a-secret');
    await opened.page.keyboard.press('Enter');
    await opened.page.locator('#sign-in-error', { hasText: 'does not know this key' }).waitFor();
    expect(await opened.page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});

describe('the approval queue, live', () => {
  it('given an agent waiting on its intent, when an approver approves it in the console with the keyboard only, then the waiting long poll returns approved with the note', async () => {
    const acme = await newTenant(server, 'console-approve');
    const approverKey = await acme.key('approver');
    const bot = await refundBot(acme, 'enforced', 'refund-bot', 'Refund duplicate charges of ticket 4821');
    const intentId = await submitIntent(bot);
    // The agent waits for the decision, as an SDK does.
    const waiting = call(server, 'GET', `/v1/intents/${intentId}?wait=30`, { token: bot.token });

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, approverKey, 'approver');
    const pending = card(page, intentId);
    await pending.locator('.url').waitFor();
    // Names come from their own reads (the agent, the passport's mission): awaited, not assumed.
    await pending.getByText('refund-bot').waitFor();
    await pending.getByText("Rejecting also revokes the agent's passport (enforced mode).").waitFor();
    // The exact call: method, full URL, the body as a canonical tree (keys sorted: amount before charge).
    expect(await pending.locator('.method').textContent()).toBe('POST');
    expect(await pending.locator('.url').textContent()).toBe(REFUND_URL);
    expect(await pending.locator('.json-key').allTextContents()).toEqual(['"amount"', '"charge"', '"metadata"', '"reason"', '"ticket"']);
    expect(await pending.locator('.json-string').allTextContents()).toEqual(['"ch_4821"', '"duplicate"', '"T-4821"']);
    const facts = await pending.innerText();
    for (const text of ['refund-bot', bot.agentId, 'Refund duplicate charges of ticket 4821', 'enforced mode', 'Customer was charged twice on ticket 4821', '€42.00', '0 of 1', 'stripe: POST /v1/refunds']) {
      expect(facts).toContain(text);
    }
    expect(facts).toMatch(/Expires\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (\d+ h )?\d+ min \d+ s\)/);
    await screenshot(page, 'approvals');

    // Keyboard only: Tab to the note, type it, Tab to Approve, Enter.
    await tabTo(page, `#note-${intentId}`);
    await page.keyboard.type('checked the duplicate charge');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.dataset.action)).toBe('approve');
    await page.keyboard.press('Enter');

    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: intentId, status: 'approved', decision: { by: { kind: 'operator', id: approverKey.split('.')[2] } } });
    // The note is the approval's, in the audit.
    const head = (await call(server, 'GET', '/readyz')).body.head as number;
    const given = (await acme.audit(`?jti=${bot.jti}&wait_for_position=${head}`)).find((e) => e.type === 'IntentApprovalGiven');
    expect(given?.what).toMatchObject({ note: 'checked the duplicate charge' });
    await pending.waitFor({ state: 'detached' });
    await page.locator('#announcer', { hasText: `Approved: stripe:refunds:create (${intentId})` }).waitFor();
    expect(opened.errors).toEqual([]);
  });

  it('given an intent on screen needing two approvals, when one person approves elsewhere and then another rejects elsewhere, then the count moves and the intent leaves the queue without a reload', async () => {
    const acme = await newTenant(server, 'console-elsewhere');
    const put = await call(server, 'PUT', '/v1/policies/intents', { token: acme.adminKey, body: { default: 'require_approval', default_approvals: 2, rules: [] } });
    expect(put.status).toBe(200);
    const bot = await refundBot(acme, 'logged');
    const intentId = await submitIntent(bot);
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    const pending = card(page, intentId);
    await pending.locator('.url').waitFor();
    expect(await pending.innerText()).toContain('0 of 2');
    await page.locator('a[data-page="approvals"]', { hasText: 'Approvals (1)' }).waitFor();

    const alice = await acme.key('approver');
    expect((await call(server, 'POST', `/v1/intents/${intentId}/approve`, { token: alice, body: { note: 'one' } })).status).toBe(200);
    await pending.getByText(`1 of 2 (operator ${alice.split('.')[2]})`).waitFor();

    const bob = await acme.key('approver');
    expect((await call(server, 'POST', `/v1/intents/${intentId}/reject`, { token: bob, body: { note: 'no' } })).body.status).toBe('rejected');
    await pending.waitFor({ state: 'detached' });
    await page.getByText('No intent is waiting for a decision.').waitFor();
    expect(await page.locator('a[data-page="approvals"]').textContent()).toBe('Approvals');
    expect(opened.errors).toEqual([]);
  });
});

describe('revocations and findings, live', () => {
  it('given an operator watching, when a detector revokes a drifting agent, then the revocation and the finding appear without a reload, and the finding is resolved with a note', async () => {
    const acme = await newTenant(server, 'console-detector');
    const operatorKey = await acme.key('operator');
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, operatorKey, 'operator');
    await page.getByRole('link', { name: 'Revocations and findings' }).click();
    await page.locator('#revocations .feed-state[data-state="live"]').waitFor();
    await page.locator('#findings .feed-state[data-state="live"]').waitFor();

    // An enforced agent on a slack mission calls github: scope_drift, and the detector revokes its passport.
    const agentId = await acme.agent('enforced', 'drifting-bot');
    const bot = await acme.passport(agentId, { ttl_seconds: 3600 });
    const drift = await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: { service: 'github', action: 'repos.delete' } });
    expect(drift.status).toBe(201);

    const revocation = page.locator(`#revocations li[data-jti="${bot.jti}"]`);
    await revocation.getByText('drifting-bot').waitFor();
    const revocationText = await revocation.innerText();
    expect(revocationText).toContain('detector scope_drift');
    expect(revocationText).toContain('"github"');
    const finding = page.locator(`#findings li[data-jti="${bot.jti}"]`, { hasText: 'scope_drift' });
    await finding.waitFor();
    expect(await finding.innerText()).toContain('the passport was revoked');
    const findingId = (await finding.getAttribute('data-finding-id'))!;
    await screenshot(page, 'revocations-and-findings');

    await finding.getByLabel('Resolution note').fill('confirmed: repository access was never granted');
    await finding.getByRole('button', { name: 'Resolve' }).click();
    await finding.getByText('resolved: confirmed: repository access was never granted').waitFor();
    const stored = await call(server, 'GET', `/v1/security-events/${findingId}`, { token: acme.adminKey });
    expect(stored.body).toMatchObject({ status: 'resolved', resolution: { note: 'confirmed: repository access was never granted', by: operatorKey.split('.')[2] } });
    expect(opened.errors).toEqual([]);
  });

  it('given a finding on screen in two consoles, when it is resolved in one, then the other shows it resolved, by whom and why, without a reload, and offers no form', async () => {
    const acme = await newTenant(server, 'console-resolved-elsewhere');
    const alice = await acme.key('operator');
    const bob = await acme.key('operator');
    const consoles = await Promise.all([openConsole(), openConsole()]);
    for (const [opened, key] of [[consoles[0], alice], [consoles[1], bob]] as const) {
      await signIn(opened, key, 'operator');
      await opened.page.getByRole('link', { name: 'Revocations and findings' }).click();
      await opened.page.locator('#findings .feed-state[data-state="live"]').waitFor();
    }
    const agentId = await acme.agent('logged', 'wandering-bot');
    const bot = await acme.passport(agentId, { ttl_seconds: 3600 });
    expect((await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: { service: 'github', action: 'repos.list' } })).status).toBe(201);
    const [aliceSees, bobSees] = consoles.map(({ page }) => page.locator(`#findings li[data-jti="${bot.jti}"]`, { hasText: 'scope_drift' }));
    await Promise.all([aliceSees.getByRole('button', { name: 'Resolve' }).waitFor(), bobSees.getByRole('button', { name: 'Resolve' }).waitFor()]);

    await aliceSees.getByLabel('Resolution note').fill('expected: <b>new</b> integration');
    await aliceSees.getByRole('button', { name: 'Resolve' }).click();

    await bobSees.getByText(`resolved by ${alice.split('.')[2]}: expected: <b>new</b> integration`).waitFor();
    expect(await bobSees.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
    expect(await bobSees.locator('b').count()).toBe(0);
    await aliceSees.getByText('resolved: expected: <b>new</b> integration').waitFor();
    expect(consoles.flatMap((c) => c.errors)).toEqual([]);
  });

  it('given the revocation stream dropped, when revocations happen while the console cannot reconnect, then on reconnecting it resumes with Last-Event-ID and shows each exactly once', async () => {
    const acme = await newTenant(server, 'console-resume');
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    await page.getByRole('link', { name: 'Revocations and findings' }).click();
    const revoke = async (name: string) => {
      const agentId = await acme.agent('logged', name);
      const passport = await acme.passport(agentId, { ttl_seconds: 3600 });
      const reply = await call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: acme.adminKey, body: { reason: `${name} went off-script` } });
      expect(reply.status).toBe(200);
      return passport.jti;
    };
    const first = await revoke('first-bot');
    const firstEntry = page.locator(`#revocations li[data-jti="${first}"]`);
    await firstEntry.waitFor();
    const lastSeen = (await firstEntry.getAttribute('data-position'))!;

    // The console cannot reconnect while the process serving the stream restarts and two passports are revoked.
    const stream = '**/v1/revocations/stream';
    await page.route(stream, (route) => route.abort('connectionrefused'));
    const refused = page.waitForEvent('requestfailed', (r) => r.url().includes('/v1/revocations/stream'));
    await restartRevocationStream();
    await refused;
    await page.locator('#revocations .feed-state[data-state="reconnecting"]').waitFor();
    const missed = [await revoke('second-bot'), await revoke('third-bot')];

    const resumed = page.waitForRequest((r: Request) => r.url().includes('/v1/revocations/stream') && r.headers()['last-event-id'] !== undefined);
    await page.unroute(stream);
    expect((await resumed).headers()['last-event-id']).toBe(lastSeen);
    for (const jti of missed) await page.locator(`#revocations li[data-jti="${jti}"]`).waitFor();
    await page.locator('#revocations .feed-state[data-state="live"]').waitFor();
    const shown = await page.locator('#revocations li[data-jti]').evaluateAll((items) => items.map((i) => i.getAttribute('data-jti')));
    // Newest first, each once: no gap, no repeat.
    expect(shown).toEqual([...missed].reverse().concat(first));
    expect(opened.errors).toEqual([]);
  });
});

describe('the kill switch', () => {
  const agentCall = (passport: { jti: string; token: string }) =>
    call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: 'chat.postMessage' } });

  it('given an operator, when they review a passport, cancel, then revoke it after a confirmation naming its agent and mission, then the agent\'s next call is refused and the feed shows who and why', async () => {
    const acme = await newTenant(server, 'console-kill');
    const operatorKey = await acme.key('operator');
    const agentId = await acme.agent('logged', 'invoice-bot');
    const passport = await acme.passport(agentId, { ttl_seconds: 3600, intent: { summary: 'nightly invoice sync', services: ['slack'] } });
    expect((await agentCall(passport)).status).toBe(201);

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, operatorKey, 'operator');
    await page.getByRole('link', { name: 'Kill switch' }).click();
    // An operator may not stop the whole tenant: that switch is an admin's.
    expect(await page.locator('#kill-tenant-title').count()).toBe(0);
    await page.getByLabel('Passport (jti)').fill(passport.jti);
    await page.locator('#kill-passport-reason').fill('runaway loop');
    const form = page.locator('section.kill', { has: page.locator('#kill-passport-title') });
    await form.getByRole('button', { name: 'Review' }).click();
    const confirmation = form.locator('.confirmation');
    await confirmation.getByText('invoice-bot').waitFor();
    expect(await confirmation.innerText()).toContain(`This stops passport ${passport.jti} (active) of agent invoice-bot ${agentId}, on the mission “nightly invoice sync” (services: slack).`);

    // Reviewing stops nothing: only the confirmation's button does.
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    await confirmation.waitFor({ state: 'hidden' });
    expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: passport.token } })).body.active).toBe(true);

    await form.getByRole('button', { name: 'Review' }).click();
    await confirmation.getByRole('button', { name: `Revoke passport ${passport.jti}` }).click();
    await form.getByText(`Revoked passport ${passport.jti}.`).waitFor();
    const next = await agentCall(passport);
    expect([next.status, next.body.code]).toEqual([401, 'PASSPORT_REVOKED']);

    await page.getByRole('link', { name: 'Revocations and findings' }).click();
    const revocation = page.locator(`#revocations li[data-jti="${passport.jti}"]`);
    await revocation.waitFor();
    expect(await revocation.locator('.reason').textContent()).toBe('runaway loop');
    expect(await revocation.innerText()).toContain(`operator ${operatorKey.split('.')[2]}`);
    expect(opened.errors).toEqual([]);
  });

  it('given an admin, when they stop an agent and then the whole tenant from the console, then every live passport of each is refused', async () => {
    const acme = await newTenant(server, 'console-kill-all');
    const agentId = await acme.agent('logged', 'sync-bot');
    const agentsPassports = [await acme.passport(agentId, { ttl_seconds: 3600 }), await acme.passport(agentId, { ttl_seconds: 3600 })];
    const otherId = await acme.agent('logged', 'other-bot');
    const others = await acme.passport(otherId, { ttl_seconds: 3600 });

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    await page.getByRole('link', { name: 'Kill switch' }).click();
    const agentForm = page.locator('section.kill', { has: page.locator('#kill-agent-title') });
    await agentForm.getByLabel('Agent id').fill(agentId);
    await agentForm.getByRole('button', { name: 'Review' }).click();
    await agentForm.locator('.confirmation').getByText('This stops every live passport of agent sync-bot').waitFor();
    await agentForm.getByRole('button', { name: 'Revoke every passport of sync-bot' }).click();
    await agentForm.getByText('Revoked 2 passports of agent sync-bot.').waitFor();
    for (const p of agentsPassports) expect((await agentCall(p)).body.code).toBe('PASSPORT_REVOKED');
    expect((await agentCall(others)).status).toBe(201);

    const tenantForm = page.locator('section.kill', { has: page.locator('#kill-tenant-title') });
    await tenantForm.getByRole('button', { name: 'Review' }).click();
    // The tenant's switch needs a reason.
    await tenantForm.getByText('Say why').waitFor();
    await tenantForm.getByLabel('Reason (recorded)').fill('credential leak');
    await tenantForm.getByRole('button', { name: 'Review' }).click();
    await tenantForm.getByRole('button', { name: `Revoke every passport of tenant ${acme.tenantId}` }).click();
    await tenantForm.getByText('Revoked 1 passport of the tenant.').waitFor();
    expect((await agentCall(others)).body.code).toBe('PASSPORT_REVOKED');
    expect(opened.errors).toEqual([]);
  });
});

describe('hostile input is shown as text, never run', () => {
  it('given an agent whose name, mission, intent and call are full of markup and script, when an admin looks at every page, then nothing runs, no element is injected and each string reads as sent', async () => {
    const acme = await newTenant(server, 'console-hostile');
    const hostile = {
      name: `<img src=x onerror="window.__pwned='name'">`,
      summary: `<script>window.__pwned='summary'</script>`,
      reason: `"><svg onload="window.__pwned='reason'"></svg><img src=x onerror=alert('reason')>`,
      action: `<a href="javascript:window.__pwned='action'">click</a>`,
      // The API takes only absolute http(s) URLs: the markup rides in the query and the fragment, behind a
      // right-to-left override that the console shows as \u202e.
      url: `https://api.stripe.com/v1/refunds?next=<script>window.__pwned='url'</script>&to=javascript:alert(1)#\u202e"><img src=x onerror=alert(1)>`,
      revocation: `</li><iframe src="javascript:alert('revocation')"></iframe>`,
    };
    const body = {
      '<img src=x onerror=alert(1)>': `<script>alert('body')</script>`,
      href: 'javascript:alert(document.domain)',
      nested: { '</li></ul><b onmouseover=alert(1)>': [`<iframe srcdoc="<script>parent.__pwned='srcdoc'</script>">`] },
    };
    const bot = await refundBot(acme, 'logged', hostile.name, hostile.summary);
    const intentId = await submitIntent(bot, { reason: hostile.reason, action: hostile.action, parameters: { url: hostile.url, method: 'POST', body } });
    // Tool calls of the same agent, with markup in their action and target: stored, and shown by no page yet.
    const calls = await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, {
      token: bot.token,
      body: { calls: [{ service: 'stripe', action: hostile.action, target: hostile.reason }, { service: 'stripe', action: 'x', target: hostile.summary }] },
    });
    expect(calls.status).toBe(201);

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    const pending = card(page, intentId);
    await pending.locator('.url').waitFor();
    await pending.getByText(hostile.name.slice(0, 20)).waitFor();
    await pending.getByText(hostile.summary).waitFor();
    expect(await pending.locator('.reason').textContent()).toBe(hostile.reason);
    expect(await pending.locator('.url').textContent()).toBe(hostile.url.replace('\u202e', '\\u202e'));
    expect(await pending.innerText()).toContain(hostile.action);
    // Keys sorted at each level, in the order of the tree.
    expect(await pending.locator('.json-key').allTextContents()).toEqual(['"<img src=x onerror=alert(1)>"', '"href"', '"nested"', '"</li></ul><b onmouseover=alert(1)>"']);
    expect(await pending.locator('.json-string').allTextContents()).toEqual([`"<script>alert('body')</script>"`, '"javascript:alert(document.domain)"', JSON.stringify(body.nested['</li></ul><b onmouseover=alert(1)>'][0])]);
    await screenshot(page, 'hostile-approvals');

    const kill = await call(server, 'POST', `/v1/passports/${bot.jti}/revoke`, { token: acme.adminKey, body: { reason: hostile.revocation } });
    expect(kill.status).toBe(200);

    await page.getByRole('link', { name: 'Revocations and findings' }).click();
    const revocation = page.locator(`#revocations li[data-jti="${bot.jti}"]`);
    await revocation.waitFor();
    expect(await revocation.locator('.reason').textContent()).toBe(hostile.revocation);
    await revocation.getByText(hostile.name.slice(0, 20)).waitFor();
    await screenshot(page, 'hostile-revocations');

    // Nothing ran, and nothing the agent wrote became an element.
    expect(opened.dialogs).toEqual([]);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(await page.locator('img, svg, iframe, b, a[href^="javascript"], script:not([src="/console/console.js"])').count()).toBe(0);
    // Were the console ever to put markup in the page, the page's policy would still refuse to run it.
    const injected = await page.evaluate(() => {
      try {
        const script = document.createElement('script');
        script.textContent = 'window.__pwned = "inline"';
        document.body.append(script);
        return 'appended';
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(injected).toBe('TypeError');
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(opened.errors).toEqual([]);
  });
});

describe('accessibility', () => {
  it('given each page with content on it, when axe-core checks it, then it reports no serious or critical violation', async () => {
    const acme = await newTenant(server, 'console-axe');
    const bot = await refundBot(acme, 'enforced');
    await submitIntent(bot);
    const drift = await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: { service: 'github', action: 'repos.delete' } });
    expect(drift.status).toBe(201);

    // CSP is bypassed in this context only, so that axe's script can be injected into the page.
    const opened = await openConsole({ bypassCSP: true });
    const { page } = opened;
    await screenshot(page, 'sign-in');
    const results: Record<string, string[]> = { 'sign-in': await accessibilityViolations(page) };
    await signIn(opened, acme.adminKey, 'admin');
    await page.locator('li[data-intent-id] .url').waitFor();
    results.approvals = await accessibilityViolations(page);
    await page.getByRole('link', { name: 'Revocations and findings' }).click();
    await page.locator(`#revocations li[data-jti="${bot.jti}"]`).waitFor();
    await page.locator(`#findings li[data-jti="${bot.jti}"]`).first().waitFor();
    results['revocations-and-findings'] = await accessibilityViolations(page);
    // The kill switch with a confirmation open (reviewed, not pulled).
    await page.getByRole('link', { name: 'Kill switch' }).click();
    await page.getByLabel('Passport (jti)').fill(bot.jti);
    await page.locator('section.kill', { has: page.locator('#kill-passport-title') }).getByRole('button', { name: 'Review' }).click();
    await page.locator('.confirmation', { hasText: `Passport ${bot.jti} of agent refund-bot` }).waitFor();
    await screenshot(page, 'kill-switch');
    results['kill-switch'] = await accessibilityViolations(page);
    expect(results).toEqual({ 'sign-in': [], approvals: [], 'revocations-and-findings': [], 'kill-switch': [] });
  });
});
