/**
 * The console's Agents and Policy pages, in a real browser against the real server: the agents with their modes and
 * enrolled keys; the intent policy as a table an admin edits, simulates before saving (the server evaluates the
 * unsaved policy) and saves, after which a real intent gets the decision the simulation showed. Nothing sleeps: each
 * step waits for what the page shows.
 */
import { call, newTenant } from './support/client';
import { AgentClient } from './support/agent-client';
import { accessibilityViolations, openConsole, refundBot, refundCall, screenshot, server, signIn } from './support/console';

/** Refunds wait for one person unless a rule says otherwise. */
const SAVED_POLICY = {
  default: 'require_approval',
  default_approvals: 1,
  rules: [{ name: 'refunds-by-hand', match: { named_intent: 'stripe:refunds:*' }, decision: 'require_approval', approvals: 2 }],
};

const refundIntent = { named_intent: 'stripe:refunds:create', target: 'stripe', action: 'POST /v1/refunds', parameters: refundCall(), amount: { value: 42, currency: 'EUR' } };

async function putPolicy(adminKey: string, policy: unknown): Promise<void> {
  expect((await call(server, 'PUT', '/v1/policies/intents', { token: adminKey, body: policy })).status).toBe(200);
}

/** An agent whose runtime enrolled a key of its own (its thumbprint is the key id). */
async function enrolledAgent(adminKey: string, name: string): Promise<{ agentId: string; keyId: string }> {
  const registered = await call(server, 'POST', '/v1/agents', { token: adminKey, body: { name, accountability_mode: 'logged' } });
  expect(registered.status).toBe(201);
  const enrollment = await call(server, 'POST', `/v1/agents/${registered.body.id}/enrollments`, { token: adminKey, body: {} });
  expect(enrollment.status).toBe(201);
  const client = await AgentClient.create(server);
  expect((await client.enroll(enrollment.body.token)).status).toBe(201);
  return { agentId: registered.body.id, keyId: client.keyId };
}

describe('the agents page', () => {
  it('given agents in each mode, one suspended and one with an enrolled key, when an operator opens Agents, then each shows its name, id, mode, status and keys; an approver is told the keys need another role', async () => {
    const acme = await newTenant(server, 'console-agents');
    const enforced = await acme.agent('enforced', 'refund-bot');
    const standard = await acme.agent('standard', 'triage-bot');
    const enrolled = await enrolledAgent(acme.adminKey, 'self-enrolled-bot');
    expect((await call(server, 'PATCH', `/v1/agents/${standard}`, { token: acme.adminKey, body: { status: 'suspended', reason: 'noisy' } })).status).toBe(200);

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, await acme.key('operator'), 'operator');
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.locator('#agents-page').getByText('3 agents.').waitFor();
    const card = (id: string) => page.locator(`li[data-agent-id="${id}"]`);
    const self = card(enrolled.agentId);
    await self.locator(`tr[data-key-id="${enrolled.keyId}"]`).waitFor();
    expect(await self.locator('tbody tr td').allTextContents()).toEqual([enrolled.keyId, 'active', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/)]);
    expect(await self.locator('h2').textContent()).toBe('self-enrolled-bot');
    await card(enforced).getByText('No key enrolled').waitFor();
    const facts = await card(enforced).locator('dl').innerText();
    for (const text of [enforced, 'enforced', 'active']) expect(facts).toContain(text);
    expect(await card(standard).locator('dl').innerText()).toContain('suspended');
    await screenshot(page, 'agents');

    // The operator changes the mode of one agent; the server holds the change.
    await card(enforced).getByLabel('Accountability mode').selectOption('logged');
    await card(enforced).getByRole('button', { name: 'Change mode' }).click();
    await card(enforced).getByText('Now logged.').waitFor();
    expect((await call(server, 'GET', `/v1/agents/${enforced}`, { token: acme.adminKey })).body.accountability_mode).toBe('logged');

    const asApprover = await openConsole();
    await signIn(asApprover, await acme.key('approver'), 'approver');
    await asApprover.page.getByRole('link', { name: 'Agents' }).click();
    await asApprover.page.locator(`li[data-agent-id="${enrolled.agentId}"]`).getByText('this approver key may not read them').waitFor();
    expect(await asApprover.page.getByRole('button', { name: 'Change mode' }).count()).toBe(0);
    expect([...opened.errors, ...asApprover.errors]).toEqual([]);
  });

  it('given an agent named with markup, when its card is shown, then the name is text and nothing runs', async () => {
    const acme = await newTenant(server, 'console-agents-hostile');
    const name = `<img src=x onerror="window.__pwned='agent'"><script>alert(1)</script>`;
    const agentId = await acme.agent('logged', name);
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    await page.getByRole('link', { name: 'Agents' }).click();
    const card = page.locator(`li[data-agent-id="${agentId}"]`);
    await card.getByText('No key enrolled').waitFor();
    expect(await card.locator('h2').textContent()).toBe(name);
    expect(await page.locator('#agents-page img, #agents-page script').count()).toBe(0);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect([opened.dialogs, opened.errors]).toEqual([[], []]);
  });
});

describe('the policy page', () => {
  it('given a saved policy that queues refunds for two people, when an admin edits the rule to auto-approve, simulates a pasted refund, then saves, then the simulation shows the unsaved decision and a real refund gets it', async () => {
    const acme = await newTenant(server, 'console-policy');
    await putPolicy(acme.adminKey, SAVED_POLICY);
    const bot = await refundBot(acme);

    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    await page.getByRole('link', { name: 'Policy' }).click();
    const policy = page.locator('#policy-page');
    await policy.getByLabel('Rule 1 name', { exact: true }).waitFor();
    expect(await policy.getByLabel('Rule 1 name', { exact: true }).inputValue()).toBe('refunds-by-hand');
    expect(await policy.getByLabel('Rule 1 named intent', { exact: true }).inputValue()).toBe('stripe:refunds:*');
    expect(await policy.getByLabel('Rule 1 approvals', { exact: true }).inputValue()).toBe('2');

    // Invalid JSON is told apart without a request.
    const simulate = policy.getByRole('button', { name: 'Simulate' });
    await policy.getByLabel('The call, as JSON').fill('{"named_intent": ');
    await simulate.click();
    await policy.locator('.verdict').getByText('The call is not valid JSON').waitFor();

    // The saved policy's answer first, then the edited one's.
    await policy.getByLabel('The call, as JSON').fill(JSON.stringify(refundIntent));
    await simulate.click();
    await policy.locator('.verdict').getByText('Under the saved policy, this call would be queued for people.').waitFor();
    expect(await policy.locator('.verdict dl').innerText()).toMatch(/Rule\s+refunds-by-hand[\s\S]*Approvals\s+2/);

    await policy.getByLabel('Rule 1 name', { exact: true }).fill('small-refunds');
    await policy.getByLabel('Rule 1 currency', { exact: true }).fill('EUR');
    await policy.getByLabel('Rule 1 amount up to', { exact: true }).fill('50');
    await policy.getByLabel('Rule 1 decision', { exact: true }).selectOption('auto_approve');
    await policy.getByLabel('Rule 1 approvals', { exact: true }).fill('');
    await policy.getByRole('button', { name: 'Add a rule' }).click();
    await policy.getByLabel('Rule 2 name', { exact: true }).fill('everything-else');
    await policy.getByLabel('Rule 2 decision', { exact: true }).selectOption('deny');
    await policy.getByText('Changed here, not saved yet.').waitFor();
    await simulate.click();
    await policy.locator('.verdict').getByText('Under the policy as edited here (not saved), this call would be approved at once.').waitFor();
    expect(await policy.locator('.verdict dl').innerText()).toMatch(/Rule\s+small-refunds/);
    // Nothing was saved by simulating.
    expect((await call(server, 'GET', '/v1/policies/intents', { token: acme.adminKey })).body).toEqual(SAVED_POLICY);
    await screenshot(page, 'policy');

    // The server's refusal is shown beside the form, the field marked.
    await policy.getByLabel('Rule 2 amount up to', { exact: true }).fill('lots');
    await policy.getByRole('button', { name: 'Save policy' }).click();
    await policy.locator('.problems').getByText('rule 2, match.amount_max').waitFor();
    expect(await policy.getByLabel('Rule 2 amount up to', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await policy.getByLabel('Rule 2 amount up to', { exact: true }).fill('');

    // Order matters: moved up, the deny-everything rule would decide first.
    await policy.getByRole('button', { name: 'Move rule 2 up' }).click();
    expect(await policy.getByLabel('Rule 1 name', { exact: true }).inputValue()).toBe('everything-else');
    await simulate.click();
    await policy.locator('.verdict').getByText('this call would be denied.').waitFor();
    await policy.getByRole('button', { name: 'Move rule 2 up' }).click();
    expect(await policy.getByLabel('Rule 1 name', { exact: true }).inputValue()).toBe('small-refunds');

    await policy.getByRole('button', { name: 'Save policy' }).click();
    await policy.getByText(/^Saved: from now on/).waitFor();
    expect((await call(server, 'GET', '/v1/policies/intents', { token: acme.adminKey })).body).toEqual({
      default: 'require_approval',
      default_approvals: 1,
      rules: [
        { name: 'small-refunds', match: { named_intent: 'stripe:refunds:*', currency: 'EUR', amount_max: 50 }, decision: 'auto_approve' },
        { name: 'everything-else', match: {}, decision: 'deny' },
      ],
    });

    const submitted = await call(server, 'POST', '/v1/intents', { token: bot.token, body: { ...refundIntent, reason: 'charged twice', expires_in: 3600 } });
    expect([submitted.status, submitted.body.status]).toEqual([201, 'approved']);
    expect([opened.dialogs, opened.errors]).toEqual([[], []]);
  });

  it('given an approver key, when it opens Policy, then the policy is read-only with no Save button and a sentence why, it may still simulate, and the server refuses its PUT', async () => {
    const acme = await newTenant(server, 'console-policy-approver');
    await putPolicy(acme.adminKey, SAVED_POLICY);
    const approverKey = await acme.key('approver');
    const opened = await openConsole();
    const { page } = opened;
    await signIn(opened, approverKey, 'approver');
    await page.getByRole('link', { name: 'Policy' }).click();
    const policy = page.locator('#policy-page');
    await policy.getByText('Only an admin key may change the policy, and this is a approver key').waitFor();
    expect(await policy.getByLabel('Rule 1 name', { exact: true }).isDisabled()).toBe(true);
    expect(await policy.getByRole('button', { name: 'Save policy' }).count()).toBe(0);
    expect(await policy.getByRole('button', { name: 'Add a rule' }).count()).toBe(0);
    await policy.getByLabel('The call, as JSON').fill(JSON.stringify(refundIntent));
    await policy.getByRole('button', { name: 'Simulate' }).click();
    await policy.locator('.verdict').getByText('Under the saved policy, this call would be queued for people.').waitFor();
    await screenshot(page, 'policy-read-only');

    const refused = await call(server, 'PUT', '/v1/policies/intents', { token: approverKey, body: { default: 'auto_approve', rules: [] } });
    expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    expect(opened.errors).toEqual([]);
  });
});

describe('accessibility', () => {
  it('given the agents and policy pages with content, when axe-core checks each, then neither has a serious or critical violation', async () => {
    const acme = await newTenant(server, 'console-policy-axe');
    await putPolicy(acme.adminKey, SAVED_POLICY);
    await enrolledAgent(acme.adminKey, 'axe-bot');
    await acme.agent('enforced', 'refund-bot');
    // CSP is bypassed in this context only, so that axe's script can be injected into the page.
    const opened = await openConsole({ bypassCSP: true });
    const { page } = opened;
    await signIn(opened, acme.adminKey, 'admin');
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.locator('#agents-page table.keys').waitFor();
    const results: Record<string, string[]> = { agents: await accessibilityViolations(page) };
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.locator('#policy-page').getByLabel('Rule 1 name', { exact: true }).waitFor();
    await page.locator('#policy-page').getByLabel('The call, as JSON').fill(JSON.stringify(refundIntent));
    await page.locator('#policy-page').getByRole('button', { name: 'Simulate' }).click();
    await page.locator('#policy-page .verdict dl').waitFor();
    results.policy = await accessibilityViolations(page);
    expect(results).toEqual({ agents: [], policy: [] });
  });
});
