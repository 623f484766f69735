import { ApiProblem, isAbort, MandateApi } from './api';
import { Directory } from './directory';
import { Child, el, fill, row } from './dom';
import { actorText, amountText, revealInvisible, timeText } from './format';
import { jsonTree } from './json-tree';
import { reviewPassportRevocation } from './kill-switch';
import { can, Role } from './roles';
import type { AgentListResponse, AmountView, AuditEntryView, AuditPageResponse, ChainVerificationResponse, MissionListResponse, MissionSummaryView, PassportView } from './types';

export interface MissionsContext {
  api: MandateApi;
  role: Role;
  directory: Directory;
  announce(message: string): void;
  /** Aborted at sign-out: every request of the page stops with it. */
  signal: AbortSignal;
}

const STATUSES = ['active', 'expired', 'checked_out', 'revoked'] as const;
const MODES = ['standard', 'logged', 'enforced'] as const;
const PAGE_SIZE = 50;
const AUDIT_PAGE_SIZE = 200;

/** What the agent says it did, beside what Mandate forwarded for it: the two columns of a timeline. */
const REPORTED = new Set(['ToolCallLogged', 'ToolCallsLogged']);
const OBSERVED = new Set(['ProxiedCallStarted', 'ProxiedCallEnded', 'ProxiedCallRefused']);

/** The facts of an entry's `what` worth reading at a glance, by event type; the whole of it is one click away. */
const KEY_FACTS: Record<string, string[]> = {
  PassportIssued: ['summary', 'services', 'expires_at'],
  CheckpointRecorded: ['summary', 'services_used', 'actions_count'],
  ToolCallLogged: ['service', 'action', 'target', 'outcome'],
  ToolCallsLogged: ['calls', 'services'],
  ProxiedCallStarted: ['service', 'method', 'host', 'path', 'outcome'],
  ProxiedCallEnded: ['service', 'method', 'path', 'outcome', 'status', 'code', 'latency_ms'],
  ProxiedCallRefused: ['service', 'method', 'host', 'path', 'code'],
  IntentSubmitted: ['named_intent', 'service', 'method', 'host', 'path', 'amount'],
  IntentRefused: ['reason', 'service'],
  IntentApprovalGiven: ['note'],
  IntentRejected: ['note'],
  ApprovalConsumed: ['method', 'host', 'path'],
  ApprovalRefused: ['reason', 'mismatched'],
  SecurityEventRaised: ['signal', 'severity', 'detail', 'action'],
  SecurityEventResolved: ['finding_id', 'note'],
  PassportRevoked: ['reason', 'scope'],
  MissionCheckedOut: ['outcome', 'summary'],
  PassportUseRefused: ['operation', 'code', 'services'],
};

/** "ProxiedCallRefused" as a person reads it: "Proxied call refused". */
export const eventTitle = (type: string): string => type.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').replace(/ [A-Z]/g, (s) => s.toLowerCase());

/** A fact of `what` as text: lists joined, an amount as money, anything else as its JSON (strings as they are). */
function factText(name: string, value: unknown): string {
  if (typeof value === 'string') return revealInvisible(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map(revealInvisible).join(', ');
  if (name === 'amount' && value && typeof value === 'object') return amountText(value as AmountView);
  return revealInvisible(JSON.stringify(value));
}

const statusText = (status: string): string => status.replace('_', ' ');

/**
 * Missions: the list (filtered by agent, status and mode, newest first) at #missions, and one mission's timeline at
 * #missions/<jti>, the passport and then its audit in position order, what the agent reported beside what Mandate
 * observed. The page is one element; `route` swaps what it shows when the fragment changes.
 */
export class MissionsPage {
  readonly element = el('section', { attrs: { 'aria-labelledby': 'missions-title' } });
  /** The view being shown, aborted when another replaces it (so a slow answer cannot paint over the next view). */
  private view = new AbortController();
  private list: MissionList | null = null;

  constructor(private readonly context: MissionsContext) {
    context.signal.addEventListener('abort', () => this.view.abort(), { once: true });
  }

  /** Shows the list ('') or the timeline of a passport ('pp_…'). */
  route(sub: string): void {
    this.view.abort();
    this.view = new AbortController();
    if (sub) {
      fill(this.element, new MissionTimeline(this.context, decodeURIComponent(sub), this.view.signal).element);
      return;
    }
    // The list keeps its filters and what it loaded when the operator comes back from a timeline.
    if (!this.list) this.list = new MissionList(this.context);
    fill(this.element, this.list.element);
    this.list.refresh();
  }
}

class MissionList {
  readonly element: HTMLElement;
  private readonly agent = el('select', { id: 'missions-agent' }, el('option', { attrs: { value: '' } }, 'Every agent'));
  private readonly status = el('select', { id: 'missions-status' }, el('option', { attrs: { value: '' } }, 'Any status'), ...STATUSES.map((s) => el('option', { attrs: { value: s } }, statusText(s))));
  private readonly mode = el('select', { id: 'missions-mode' }, el('option', { attrs: { value: '' } }, 'Any mode'), ...MODES.map((m) => el('option', { attrs: { value: m } }, m)));
  private readonly items = el('ul', { className: 'cards missions', attrs: { 'aria-busy': 'false' } });
  private readonly state = el('p', { className: 'feed-state', attrs: { role: 'status' } });
  private readonly error = el('p', { className: 'error', attrs: { role: 'alert' } });
  private readonly more = el('button', { attrs: { type: 'button' }, hidden: true }, 'Load more');
  private nextCursor: string | null = null;
  private loading = new AbortController();
  private agentsLoaded = false;

  constructor(private readonly context: MissionsContext) {
    const filters = el(
      'form',
      { className: 'filters', attrs: { role: 'search', 'aria-label': 'Filter missions' } },
      el('label', { attrs: { for: this.agent.id } }, 'Agent'),
      this.agent,
      el('label', { attrs: { for: this.status.id } }, 'Status'),
      this.status,
      el('label', { attrs: { for: this.mode.id } }, 'Mode'),
      this.mode,
    );
    // Nothing is sent anywhere: a change of a filter asks again.
    filters.addEventListener('submit', (event) => event.preventDefault());
    for (const select of [this.agent, this.status, this.mode]) select.addEventListener('change', () => void this.load(false));
    this.more.addEventListener('click', () => void this.load(true));
    this.element = el('div', {}, el('h1', { id: 'missions-title', attrs: { tabindex: '-1' } }, 'Missions'), filters, this.state, this.error, this.items, this.more);
  }

  refresh(): void {
    if (!this.agentsLoaded) void this.loadAgents();
    void this.load(false);
  }

  /** Every agent of the tenant, by name, for the agent filter (all its pages: a tenant has agents by the dozen, not the million). */
  private async loadAgents(): Promise<void> {
    this.agentsLoaded = true;
    try {
      let cursor: string | null = '';
      while (cursor !== null) {
        const page: AgentListResponse = await this.context.api.get<AgentListResponse>(`/v1/agents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, this.context.signal);
        for (const agent of page.agents) this.agent.append(el('option', { attrs: { value: agent.id } }, `${agent.name} (${agent.id})`));
        cursor = page.next_cursor;
      }
    } catch (failure) {
      this.agentsLoaded = false;
      if (!isAbort(failure)) this.error.textContent = `The agents could not be listed: ${problemText(failure)}`;
    }
  }

  /** The first page for the filters as they are, or (more) the next page after what is shown. */
  private async load(more: boolean): Promise<void> {
    this.loading.abort();
    this.loading = new AbortController();
    const signal = AbortSignal.any([this.loading.signal, this.context.signal]);
    // Busy at once, before any await: whoever changed a filter can wait for the answer to the new filters.
    this.items.setAttribute('aria-busy', 'true');
    this.error.textContent = '';
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.agent.value) query.set('agent_id', this.agent.value);
    if (this.status.value) query.set('status', this.status.value);
    if (this.mode.value) query.set('mode', this.mode.value);
    if (more && this.nextCursor) query.set('cursor', this.nextCursor);
    try {
      const page = await this.context.api.get<MissionListResponse>(`/v1/missions?${query}`, signal);
      if (!more) this.items.replaceChildren();
      this.items.append(...page.missions.map(missionCard));
      this.nextCursor = page.next_cursor;
      this.more.hidden = page.next_cursor === null;
      const shown = this.items.children.length;
      this.state.textContent = shown === 0 ? 'No mission matches these filters.' : `${shown} mission${shown === 1 ? '' : 's'}${page.next_cursor ? ', and more' : ''}, newest first.`;
    } catch (failure) {
      if (isAbort(failure)) return;
      this.error.textContent = `The missions could not be listed: ${problemText(failure)}`;
    }
    this.items.setAttribute('aria-busy', 'false');
  }
}

function missionCard(mission: MissionSummaryView): HTMLElement {
  return el(
    'li',
    { className: `card mission status-${mission.status}`, attrs: { 'data-jti': mission.jti } },
    el('h2', {}, el('a', { attrs: { href: `#missions/${encodeURIComponent(mission.jti)}` } }, mission.summary || '(no summary)')),
    el(
      'dl',
      { className: 'facts' },
      ...row('Agent', mission.agent.name, ' ', el('code', { className: 'id' }, mission.agent.id)),
      ...row('Status', el('span', { className: 'status' }, statusText(mission.status))),
      ...row('Mode', mission.accountability_mode),
      ...row('Services', mission.services.join(', ')),
      ...row('Issued', timeText(mission.issued_at)),
      ...row('Expires', timeText(mission.expires_at)),
      ...row('Passport', el('code', { className: 'id' }, mission.jti)),
    ),
  );
}

/**
 * One mission: its passport, the chain's verification, the kill switch while it is live, and its audit in position
 * order. The audit (and the verification) are for auditors and admins; other roles see the passport only.
 */
class MissionTimeline {
  readonly element: HTMLElement;
  private readonly title = el('h1', { id: 'missions-title', attrs: { tabindex: '-1' } }, 'Mission');
  private readonly passportFacts = el('div', { className: 'passport' });
  private readonly chain = el('p', { className: 'chain', attrs: { role: 'status' } });
  private readonly kill = el('div');
  private readonly entries = el('ol', { className: 'timeline', attrs: { 'aria-busy': 'true', 'aria-labelledby': 'timeline-title' } });
  private readonly more = el('button', { attrs: { type: 'button' }, hidden: true }, 'Load more of the timeline');
  private readonly error = el('p', { className: 'error', attrs: { role: 'alert' } });
  private nextCursor: string | null = null;

  constructor(
    private readonly context: MissionsContext,
    private readonly jti: string,
    private readonly signal: AbortSignal,
  ) {
    const readsAudit = can(context.role, 'readAudit');
    this.element = el(
      'div',
      { attrs: { 'data-jti': jti } },
      el('p', {}, el('a', { attrs: { href: '#missions' } }, '← All missions')),
      this.title,
      this.error,
      this.passportFacts,
      this.kill,
      el(
        'section',
        { attrs: { 'aria-labelledby': 'timeline-title' } },
        el('h2', { id: 'timeline-title' }, 'Timeline'),
        readsAudit
          ? el(
              'div',
              {},
              this.chain,
              el('div', { className: 'timeline-columns', attrs: { 'aria-hidden': 'true' } }, el('p', {}, 'Reported by the agent'), el('p', {}, 'Observed by Mandate')),
              this.entries,
              this.more,
            )
          : el('p', { className: 'warning' }, "The mission's timeline comes from the audit, which only an auditor or an admin key may read: this key sees the passport only."),
      ),
    );
    this.more.addEventListener('click', () => void this.loadAudit());
    void this.loadPassport();
    if (readsAudit) {
      void this.loadAudit();
      void this.loadChain();
    }
  }

  private async loadPassport(): Promise<void> {
    let passport: PassportView;
    try {
      passport = await this.context.api.get<PassportView>(`/v1/passports/${encodeURIComponent(this.jti)}`, this.signal);
    } catch (failure) {
      if (isAbort(failure)) return;
      this.error.textContent = failure instanceof ApiProblem && failure.status === 404 ? 'Mandate knows no such passport in this tenant.' : `The passport could not be read: ${problemText(failure)}`;
      return;
    }
    this.title.textContent = `Mission: ${passport.intent.summary}`;
    document.title = `${this.title.textContent} · Mandate console`;
    const agent = await this.context.directory.agent(passport.agent_id);
    fill(
      this.passportFacts,
      el(
        'dl',
        { className: 'facts' },
        ...row('Agent', agent?.name ?? '', ' ', el('code', { className: 'id' }, passport.agent_id)),
        ...row('Status', el('span', { className: 'status' }, statusText(passport.status))),
        ...row('Mode', passport.accountability_mode),
        ...row('Mission', passport.intent.summary),
        ...row('Services', passport.intent.services.join(', ')),
        ...row('Passport', el('code', { className: 'id' }, passport.jti)),
        ...row('Issued', timeText(passport.issued_at)),
        ...row('Expires', timeText(passport.mission_expires_at)),
        ...row('Counts', `${passport.actions_logged} reported, ${passport.calls_observed} observed, ${passport.checkpoints} checkpoint${passport.checkpoints === 1 ? '' : 's'}`),
        ...(passport.checked_out ? row('Checked out', `${timeText(passport.checked_out.at)}, ${passport.checked_out.outcome}: `, passport.checked_out.summary) : []),
        ...(passport.revoked ? row('Revoked', `${timeText(passport.revoked.at)} (${passport.revoked.scope}): `, passport.revoked.reason) : []),
      ),
    );
    if (passport.status === 'active' && can(this.context.role, 'revokePassport')) fill(this.kill, this.killSwitch());
    else this.kill.replaceChildren();
  }

  /** The passport's kill switch: a reason, "Review", then a confirmation naming the agent and mission that will stop. */
  private killSwitch(): HTMLElement {
    const reason = el('input', { id: 'mission-kill-reason', attrs: { type: 'text', maxlength: '500', autocomplete: 'off' } });
    const review = el('button', { attrs: { type: 'button', 'data-action': 'review' } }, 'Review');
    const confirmation = el('div', { className: 'confirmation', hidden: true, attrs: { role: 'group', 'aria-label': 'Confirm: stop this mission' } });
    const error = el('p', { className: 'error', attrs: { role: 'alert' } });
    const result = el('p', { className: 'result', attrs: { role: 'status' } });
    const close = () => {
      confirmation.hidden = true;
      confirmation.replaceChildren();
    };
    review.addEventListener('click', async () => {
      error.textContent = '';
      review.disabled = true;
      try {
        const reviewed = await reviewPassportRevocation(this.context.api, this.context.directory, this.jti, reason.value.trim(), (done) => void this.afterRevocation(done.position));
        const confirm = el('button', { className: 'reject', attrs: { type: 'button', 'data-action': 'confirm' } }, reviewed.confirm);
        const cancel = el('button', { attrs: { type: 'button' } }, 'Cancel');
        cancel.addEventListener('click', () => {
          close();
          review.focus();
        });
        confirm.addEventListener('click', async () => {
          confirm.disabled = cancel.disabled = true;
          try {
            const said = await reviewed.revoke();
            result.textContent = said;
            this.context.announce(said);
            close();
          } catch (failure) {
            error.textContent = `Nothing was revoked: ${problemText(failure)}`;
            confirm.disabled = cancel.disabled = false;
          }
        });
        fill(confirmation, el('p', { className: 'warning' }, ...reviewed.stops), el('div', { className: 'buttons' }, confirm, cancel));
        confirmation.hidden = false;
        confirm.focus();
      } catch (failure) {
        error.textContent = problemText(failure);
      } finally {
        review.disabled = false;
      }
    });
    return el(
      'section',
      { className: 'kill', attrs: { 'aria-labelledby': 'mission-kill-title' } },
      el('h2', { id: 'mission-kill-title' }, 'Stop this mission'),
      el('div', { className: 'fields' }, el('label', { attrs: { for: reason.id } }, 'Reason (recorded, optional)'), reason),
      review,
      error,
      confirmation,
      result,
    );
  }

  /** The revocation is in the audit once the read model has read its position: the timeline is read again from there. */
  private async afterRevocation(position: number): Promise<void> {
    await this.loadPassport();
    if (!can(this.context.role, 'readAudit')) return;
    this.entries.replaceChildren();
    this.nextCursor = null;
    await this.loadAudit(position);
    await this.loadChain();
  }

  private async loadChain(): Promise<void> {
    this.chain.removeAttribute('data-ok');
    this.chain.textContent = 'Verifying the audit chain…';
    try {
      const verified = await this.context.api.get<ChainVerificationResponse>('/v1/audit/verify', this.signal);
      this.chain.dataset.ok = String(verified.ok);
      fill(this.chain, ...chainText(verified));
    } catch (failure) {
      if (!isAbort(failure)) this.chain.textContent = `The audit chain could not be verified: ${problemText(failure)}`;
    }
  }

  /** The next page of the mission's audit (the first when nothing is shown), waiting for `position` if one is given. */
  private async loadAudit(waitFor?: number): Promise<void> {
    this.entries.setAttribute('aria-busy', 'true');
    this.more.disabled = true;
    const query = new URLSearchParams({ jti: this.jti, limit: String(AUDIT_PAGE_SIZE) });
    if (this.nextCursor) query.set('cursor', this.nextCursor);
    if (waitFor !== undefined) query.set('wait_for_position', String(waitFor));
    try {
      const page = await this.context.api.get<AuditPageResponse>(`/v1/audit?${query}`, this.signal);
      this.entries.append(...page.entries.map(timelineEntry));
      this.nextCursor = page.next_cursor;
      this.more.hidden = page.next_cursor === null;
      if (this.entries.children.length === 0) this.entries.append(el('li', { className: 'span muted' }, 'The audit holds nothing of this mission yet.'));
    } catch (failure) {
      if (isAbort(failure)) return;
      this.error.textContent = `The timeline could not be read: ${problemText(failure)}`;
    } finally {
      this.more.disabled = false;
    }
    this.entries.setAttribute('aria-busy', 'false');
  }
}

/** The verification of the tenant's chain (which a mission's events are links of), in a sentence. */
export function chainText(verified: ChainVerificationResponse): Child[] {
  if (verified.ok) return [`Audit chain verified: ${verified.checked} event${verified.checked === 1 ? '' : 's'} of the tenant checked, none altered.`];
  const at = verified.first_break;
  const where: Child[] = at
    ? [`: event ${at.position} (`, el('code', {}, at.event_id), `) does not match its link (${at.reason.replace('_', ' ')}); the stored history was altered there. `]
    : [': '];
  return [el('strong', {}, 'Audit chain broken'), ...where, `${verified.checked} events checked.`];
}

/** One entry of the timeline: the reported and observed calls in their columns, everything else across both. */
function timelineEntry(entry: AuditEntryView): HTMLElement {
  const kind = REPORTED.has(entry.type) ? 'reported' : OBSERVED.has(entry.type) ? 'observed' : 'span';
  const what = entry.what ?? {};
  const facts = (KEY_FACTS[entry.type] ?? []).filter((name) => what[name] !== undefined && what[name] !== null);
  return el(
    'li',
    { className: `entry ${kind}${entry.outcome === 'refused' ? ' refused' : ''}`, attrs: { 'data-type': entry.type, 'data-position': String(entry.position) } },
    el(
      'p',
      { className: 'entry-title' },
      el('strong', {}, eventTitle(entry.type)),
      kind === 'span' ? null : el('span', { className: 'muted' }, ` (${kind})`),
      entry.code ? ' ' : null,
      entry.code ? el('code', {}, entry.code) : null,
    ),
    el('p', { className: 'muted' }, el('time', { attrs: { datetime: entry.occurred_at } }, timeText(entry.occurred_at)), ` · #${entry.position} · by ${actorText(entry.actor)}`),
    facts.length > 0 ? el('dl', { className: 'facts' }, ...facts.flatMap((name) => row(name.replace(/_/g, ' '), factText(name, what[name])))) : null,
    entry.what ? el('details', {}, el('summary', {}, 'Everything recorded'), jsonTree(entry.what)) : null,
  );
}

const problemText = (failure: unknown): string => (failure instanceof ApiProblem ? `${failure.code}: ${failure.message}` : 'Mandate cannot be reached.');
