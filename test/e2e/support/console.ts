/**
 * What every console suite shares: the real server (embedded or distributed, by MANDATE_TOPOLOGY) and Chromium from
 * Debian's packages, started once per file by the hooks this module registers when imported; pages opened with
 * everything that would betray script running where it should not; keyboard-only sign-in; screenshots; axe-core.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { call, Tenant } from './client';
import { DistributedMandate, MandateProcess, MandateServer, ROOT, TOPOLOGY } from './server';


export type Issued = Awaited<ReturnType<Tenant['passport']>> & { agentId: string };

const SCREENSHOTS = path.join(ROOT, '.cache', 'console-screenshots', TOPOLOGY);
const AXE = require.resolve('axe-core/axe.min.js');
export const REFUND_URL = 'https://api.stripe.com/v1/refunds';

/** Settings the server of a suite starts with (the proxy's test CA, say): set at the top of the suite's file. */
let serverEnvironment: Record<string, string> = {};
export function startServerWith(env: Record<string, string>): void {
  serverEnvironment = env;
}

/** Set by the hooks below, for the tests of the file that imports this module. */
export let server: MandateServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** A page of the console, with everything that would betray script running where it should not. */
export interface ConsolePage {
  page: Page;
  dialogs: string[];
  errors: string[];
}

export async function openConsole(options: { bypassCSP?: boolean } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ bypassCSP: options.bypassCSP ?? false, viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const opened: ConsolePage = { page, dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => opened.errors.push(error.message));
  const response = await page.goto(`${server.url}/console`);
  expect(response?.status()).toBe(200);
  return opened;
}

/** Signs in with the keyboard only: the key field has the focus when the page opens. */
export async function signIn({ page }: ConsolePage, key: string, role: string): Promise<void> {
  await page.waitForFunction(() => document.activeElement?.id === 'key');
  await page.keyboard.insertText(key);
  await page.keyboard.press('Enter');
  await page.locator('#who-text', { hasText: `${role} key` }).waitFor();
}

/** Presses Tab until the focus is on `selector` (at most `max` times): how a keyboard user gets there. */
export async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${max} presses of Tab never reached ${selector}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`console screenshot: ${file}`);
}

/** axe-core's serious and critical violations on the page as it is (injected where CSP is bypassed for it). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = window.axe as { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> };
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export const refundCall = (overrides: Record<string, unknown> = {}) => ({
  url: REFUND_URL,
  method: 'POST',
  body: { charge: 'ch_4821', amount: 4200, metadata: { ticket: 'T-4821', reason: 'duplicate' } },
  ...overrides,
});

export async function refundBot(tenant: Tenant, mode: 'enforced' | 'logged' | 'standard' = 'enforced', name = 'refund-bot', summary = 'refund duplicate charges'): Promise<Issued> {
  const agentId = await tenant.agent(mode, name);
  const passport = await tenant.passport(agentId, { ttl_seconds: 3600, intent: { summary, services: ['stripe'] } });
  return { agentId, ...passport };
}

export async function submitIntent(bot: Issued, overrides: Record<string, unknown> = {}): Promise<string> {
  const reply = await call(server, 'POST', '/v1/intents', {
    token: bot.token,
    body: {
      named_intent: 'stripe:refunds:create',
      target: 'stripe',
      action: 'POST /v1/refunds',
      parameters: refundCall(),
      amount: { value: 42, currency: 'EUR' },
      reason: 'Customer was charged twice on ticket 4821',
      expires_in: 3600,
      ...overrides,
    },
  });
  expect([reply.status, reply.body?.status]).toEqual([201, 'pending']);
  return reply.body.id as string;
}

export const card = (page: Page, intentId: string) => page.locator(`li[data-intent-id="${intentId}"]`);

/** The process that serves the revocation stream: the embedded one, or the audit service behind the door. */
export async function restartRevocationStream(): Promise<void> {
  if (server instanceof DistributedMandate) {
    await server.services.audit.kill('SIGTERM');
    await server.services.audit.boot();
  } else {
    await server.restart();
  }
}

beforeAll(async () => {
  // Installs Chromium with apt-get when the machine has none yet (npm test and .ci/run have usually done it already).
  const executablePath = execFileSync('bash', [path.join(ROOT, 'scripts', 'browser.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  [server, browser] = await Promise.all([MandateProcess.start(serverEnvironment), chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] })]);
}, 300_000);
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

