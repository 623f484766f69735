import { ApiProblem, MandateApi } from './api';
import { ActivityPage } from './activity';
import { AgentsPage } from './agents';
import { ApprovalQueue } from './approvals';
import { AuditPage } from './audit';
import { Directory } from './directory';
import { KillSwitchPage } from './kill-switch';
import { PolicyPage } from './policy';
import { MissionsPage } from './missions';
import { byId, el, fill } from './dom';
import { can, keyParts, Role, ROLE_PROBES, roleFromProbes } from './roles';

/**
 * The operator console: sign in with an operator key, then the approval queue and the live revocations and findings.
 * The key is kept in this tab's sessionStorage only (gone when the tab closes; never in a URL, a cookie or
 * localStorage), and sent in the Authorization header of each request.
 */
const KEY_STORAGE = 'mandate.console.key';

const PAGES = {
  approvals: { title: 'Approvals', allowed: (role: Role) => can(role, 'readQueue') },
  activity: { title: 'Revocations and findings', allowed: (role: Role) => can(role, 'followRevocations') && can(role, 'followFindings') },
  'kill-switch': { title: 'Kill switch', allowed: (role: Role) => can(role, 'revokePassport') && can(role, 'revokeAgent') },
  agents: { title: 'Agents', allowed: (role: Role) => can(role, 'listAgents') },
  policy: { title: 'Intent policy', allowed: (role: Role) => can(role, 'readPolicy') && can(role, 'simulatePolicy') },
  missions: { title: 'Missions', allowed: (role: Role) => can(role, 'listMissions') && can(role, 'readPassport') },
  audit: { title: 'Audit', allowed: (role: Role) => can(role, 'verifyAudit') && can(role, 'exportAudit') },
} as const;
type Page = keyof typeof PAGES;

interface Session {
  role: Role;
  stop(): void;
  /** What a page does each time it is opened, given the rest of the fragment (#missions/<jti> gives '<jti>'). */
  opened: Partial<Record<Page, (sub: string) => void>>;
}

let session: Session | null = null;

const form = byId<HTMLFormElement>('sign-in');
const keyInput = byId<HTMLInputElement>('key');
const signInError = byId('sign-in-error');
const signInPage = byId('sign-in-page');
const nav = byId('pages');
const who = byId('who');
const announcer = byId('announcer');

function announce(message: string): void {
  // Cleared first, so that the same words said twice are said twice.
  announcer.textContent = '';
  requestAnimationFrame(() => (announcer.textContent = message));
}

/** Asks the probes (roles.ts) in parallel; a refusal other than FORBIDDEN (unknown key, disabled tenant) is the answer. */
async function roleOf(api: MandateApi): Promise<Role> {
  const statuses = await Promise.all(
    ROLE_PROBES.map(async (probe) => {
      try {
        await api.get(probe.path);
        return 200;
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 403 && error.code === 'FORBIDDEN') return 403;
        throw error;
      }
    }),
  );
  const role = roleFromProbes(statuses);
  if (!role) throw new ApiProblem(403, 'FORBIDDEN', 'this key may read none of what the console shows', null);
  return role;
}

async function signIn(key: string): Promise<void> {
  const parts = keyParts(key);
  if (!parts) {
    signInError.textContent = key.startsWith('mdt_admin.')
      ? 'The instance admin key only creates tenants: sign in with a key of a tenant.'
      : 'An operator key reads mdt.<tenant>.<key id>.<secret>.';
    return;
  }
  const api = new MandateApi(key);
  const button = form.querySelector('button')!;
  button.disabled = true;
  signInError.textContent = '';
  let role: Role;
  try {
    role = await roleOf(api);
  } catch (error) {
    sessionStorage.removeItem(KEY_STORAGE);
    signInError.textContent =
      error instanceof ApiProblem
        ? error.status === 401
          ? 'Mandate does not know this key, or it was revoked.'
          : `Mandate refused this key: ${error.code}: ${error.message}`
        : 'Mandate cannot be reached.';
    keyInput.focus();
    return;
  } finally {
    button.disabled = false;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  keyInput.value = '';
  start(api, role, parts);
}

function start(api: MandateApi, role: Role, key: { tenantId: string; keyId: string }): void {
  const abort = new AbortController();
  const directory = new Directory(api, abort.signal);
  const ended = (code: string, reason: string) => {
    // A role that may not follow a stream is not a reason to end the session; a key that stopped working is.
    if (code !== 'FORBIDDEN') signOut(`Signed out: ${reason} (${code}).`);
  };
  const count = byId('queue-count');
  const queue = new ApprovalQueue({
    api,
    role,
    keyId: key.keyId,
    directory,
    announce,
    onCount: (n) => (count.textContent = n > 0 ? ` (${n})` : ''),
    onEnded: ended,
  });
  fill(byId('approvals-page'), queue.element);
  queue.start();
  const activity = PAGES.activity.allowed(role) ? new ActivityPage({ api, role, directory, announce, onEnded: ended }) : null;
  if (activity) {
    fill(byId('activity-page'), activity.element);
    activity.start();
  }
  if (PAGES['kill-switch'].allowed(role)) fill(byId('kill-switch-page'), new KillSwitchPage({ api, role, tenantId: key.tenantId, directory, announce }).element);
  const agents = PAGES.agents.allowed(role) ? new AgentsPage({ api, role, announce }) : null;
  if (agents) {
    fill(byId('agents-page'), agents.element);
    agents.start();
  }
  const policy = PAGES.policy.allowed(role) ? new PolicyPage({ api, role, announce }) : null;
  if (policy) {
    fill(byId('policy-page'), policy.element);
    policy.start();
  }
  const opened: Session['opened'] = {};
  if (PAGES.missions.allowed(role)) {
    const missions = new MissionsPage({ api, role, directory, announce, signal: abort.signal });
    fill(byId('missions-page'), missions.element);
    opened.missions = (sub) => missions.route(sub);
  }
  if (PAGES.audit.allowed(role)) {
    const audit = new AuditPage({ api, tenantId: key.tenantId, announce, signal: abort.signal });
    fill(byId('audit-page'), audit.element);
    opened.audit = () => audit.opened();
  }
  session = {
    role,
    opened,
    stop: () => {
      abort.abort();
      queue.stop();
      activity?.stop();
      agents?.stop();
      policy?.stop();
    },
  };
  fill(byId('who-text'), `${role} key `, el('code', {}, key.keyId), ' of tenant ', el('code', {}, key.tenantId));
  for (const link of nav.querySelectorAll<HTMLAnchorElement>('a[data-page]')) link.hidden = !PAGES[link.dataset.page as Page].allowed(role);
  signInPage.hidden = true;
  nav.hidden = false;
  who.hidden = false;
  show(false);
}

function signOut(message = 'Signed out.'): void {
  session?.stop();
  session = null;
  sessionStorage.removeItem(KEY_STORAGE);
  for (const id of Object.keys(PAGES).map((name) => `${name}-page`)) {
    const page = byId(id);
    page.replaceChildren();
    page.hidden = true;
  }
  nav.hidden = true;
  who.hidden = true;
  signInPage.hidden = false;
  signInError.textContent = message === 'Signed out.' ? '' : message;
  document.title = 'Sign in · Mandate console';
  announce(message);
  keyInput.focus();
}

/** Shows the page the fragment names (#approvals, #missions/<jti>), or the first the role may see. */
function show(moveFocus: boolean): void {
  if (!session) return;
  const role = session.role;
  const [named, ...sub] = location.hash.slice(1).split('/') as [Page, ...string[]];
  const page: Page = named in PAGES && PAGES[named].allowed(role) ? named : 'approvals';
  session.opened[page]?.(page === named ? sub.join('/') : '');
  for (const name of Object.keys(PAGES) as Page[]) byId(`${name}-page`).hidden = name !== page;
  for (const link of nav.querySelectorAll<HTMLAnchorElement>('a[data-page]')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${PAGES[page].title} · Mandate console`;
  if (moveFocus) byId(`${page}-page`).querySelector<HTMLElement>('h1')?.focus();
}

form.addEventListener('submit', (event) => {
  // The form is never sent anywhere (the page's CSP says form-action 'none' too): the key must not reach a URL.
  event.preventDefault();
  void signIn(keyInput.value.trim());
});
byId('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => show(true));

const remembered = sessionStorage.getItem(KEY_STORAGE);
if (remembered) void signIn(remembered);
else keyInput.focus();
