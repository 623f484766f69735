import { ApiProblem, isAbort, MandateApi } from './api';
import { Directory } from './directory';
import { el, fill, row } from './dom';
import { actorText, timeText } from './format';
import { can, Role } from './roles';
import { StreamFollower, StreamState } from './sse';
import type { ResolveDto, ResolvedResponse, RevocationEventView, SecurityEventView } from './types';

/** The most entries a feed keeps on screen; older ones stay in the audit. */
const MAX_ENTRIES = 500;

export interface ActivityContext {
  api: MandateApi;
  role: Role;
  directory: Directory;
  announce(message: string): void;
  /** A stream the server ended for good (the key revoked, the tenant disabled): the session is over. */
  onEnded(code: string, reason: string): void;
}

/** One live feed on screen: its heading, its connection state, its entries newest first. */
class FeedView {
  readonly element: HTMLElement;
  readonly list: HTMLOListElement;
  private readonly state: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(id: string, title: string, emptyText: string) {
    this.state = el('p', { className: 'feed-state', attrs: { 'data-state': 'connecting' } }, 'Connecting…');
    this.empty = el('p', { className: 'empty' }, emptyText);
    this.list = el('ol', { className: 'entries', attrs: { 'aria-label': title } });
    this.element = el('section', { className: 'feed', id, attrs: { 'aria-labelledby': `${id}-title` } }, el('h2', { id: `${id}-title` }, title), this.state, this.empty, this.list);
  }

  show(state: StreamState): void {
    this.state.dataset.state = state.kind;
    this.state.textContent =
      state.kind === 'live' ? 'Live.' : state.kind === 'connecting' ? 'Connecting…' : state.kind === 'reconnecting' ? `Reconnecting (${state.reason})…` : `Stopped: ${state.reason}`;
  }

  prepend(item: HTMLLIElement): void {
    this.list.prepend(item);
    this.empty.hidden = true;
    while (this.list.children.length > MAX_ENTRIES) this.list.lastElementChild!.remove();
  }
}

/**
 * Revocations and findings, live from the two event streams (read with fetch, resumed with Last-Event-ID after a drop:
 * see sse.ts). A finding can be resolved with a note where the role allows it.
 */
export class ActivityPage {
  readonly element: HTMLElement;
  private readonly followers: StreamFollower[] = [];
  private readonly abort = new AbortController();
  private readonly revocations = new FeedView('revocations', 'Revocations', 'No revocation in force.');
  private readonly findings = new FeedView('findings', 'Findings', 'No open finding.');

  constructor(private readonly context: ActivityContext) {
    this.element = el(
      'section',
      { attrs: { 'aria-labelledby': 'activity-title' } },
      el('h1', { id: 'activity-title', attrs: { tabindex: '-1' } }, 'Revocations and findings'),
      el('p', {}, 'Revocations still in force and open findings, then each new one as it happens.'),
      el('div', { className: 'feeds' }, this.revocations.element, this.findings.element),
    );
  }

  start(): void {
    this.follow(this.revocations, '/v1/revocations/stream', ['revocation'], (position, data) => this.revocations.prepend(this.revocation(position, data as RevocationEventView)));
    this.follow(this.findings, '/v1/security-events/stream', ['security_event', 'security_event_resolved'], (position, data, event) =>
      event === 'security_event' ? this.findings.prepend(this.finding(position, data as SecurityEventView)) : this.resolvedElsewhere(data as SecurityEventView),
    );
  }

  stop(): void {
    this.abort.abort();
    this.followers.forEach((f) => f.stop());
  }

  private follow(view: FeedView, path: string, events: string[], onEvent: (position: number, data: unknown, event: string) => void): void {
    const follower = new StreamFollower(this.context.api, {
      path,
      events,
      onEvent,
      onState: (state) => {
        view.show(state);
        if (state.kind === 'ended') this.context.onEnded(state.code, state.reason);
      },
    });
    this.followers.push(follower);
    follower.start();
  }

  private revocation(position: number, revocation: RevocationEventView): HTMLLIElement {
    return el(
      'li',
      { className: 'entry', attrs: { 'data-position': String(position), 'data-jti': revocation.jti } },
      el('p', { className: 'entry-title' }, el('strong', {}, 'Revoked'), ' ', el('code', { className: 'id' }, revocation.jti), ` (${revocation.scope})`),
      el(
        'dl',
        { className: 'facts' },
        ...row('Reason', el('span', { className: 'reason' }, revocation.reason)),
        ...row('By', actorText(revocation.revoked_by)),
        ...row('Agent', this.context.directory.agentLabel(revocation.agent_id)),
        ...row('Mission', el('code', { className: 'id' }, revocation.mission_id)),
        ...row('At', timeText(revocation.revoked_at)),
      ),
    );
  }

  private finding(position: number, finding: SecurityEventView): HTMLLIElement {
    const status = el('span', { className: 'finding-status' }, finding.status);
    const item = el(
      'li',
      { className: `entry severity-${finding.severity}`, attrs: { 'data-position': String(position), 'data-finding-id': finding.id, 'data-jti': finding.jti } },
      el('p', { className: 'entry-title' }, el('strong', { className: 'severity' }, finding.severity), ' ', finding.signal, ' ', el('code', { className: 'id' }, finding.id)),
      el(
        'dl',
        { className: 'facts' },
        ...row('Detail', el('span', { className: 'reason' }, finding.detail)),
        ...row('Action', `${finding.action}${finding.revoked ? ' (the passport was revoked)' : ''}`),
        ...row('Agent', this.context.directory.agentLabel(finding.agent_id)),
        ...row('Passport', el('code', { className: 'id' }, finding.jti)),
        ...row('Raised', timeText(finding.raised_at)),
        ...row('Status', status),
      ),
    );
    if (finding.status === 'open' && can(this.context.role, 'resolveFinding')) item.append(this.resolveForm(finding, item, status));
    else if (finding.resolution) {
      status.textContent = `resolved: ${finding.resolution.note}`;
      item.classList.add('resolved');
    }
    return item;
  }

  /**
   * A finding on screen resolved by anyone (this console included: its own answer got there first, marked it resolved,
   * and this changes nothing then): it reads resolved, with who and why, and its form goes. One not on screen needs
   * nothing.
   */
  private resolvedElsewhere(finding: SecurityEventView): void {
    const item = this.findings.list.querySelector<HTMLLIElement>(`li[data-finding-id="${CSS.escape(finding.id)}"]`);
    const status = item?.querySelector('.finding-status');
    if (!item || !status || !finding.resolution) return;
    if (item.classList.contains('resolved')) return;
    const form = item.querySelector('.resolve');
    const hadFocus = form?.contains(document.activeElement) ?? false;
    form?.remove();
    item.classList.add('resolved');
    fill(status, `resolved by ${finding.resolution.by}: `, el('span', { className: 'reason' }, finding.resolution.note));
    if (hadFocus) {
      item.tabIndex = -1;
      item.focus();
    }
    this.context.announce(`The ${finding.signal} finding ${finding.id} was resolved by ${finding.resolution.by}.`);
  }

  private resolveForm(finding: SecurityEventView, item: HTMLElement, status: HTMLElement): HTMLElement {
    const noteId = `resolution-${finding.id}`;
    const note = el('input', { id: noteId, attrs: { type: 'text', maxlength: '1000', autocomplete: 'off' } });
    const button = el('button', { attrs: { type: 'button', 'data-action': 'resolve' } }, 'Resolve');
    const error = el('p', { className: 'error', attrs: { role: 'alert' } });
    const form = el('div', { className: 'resolve' }, el('label', { attrs: { for: noteId } }, 'Resolution note'), note, button, error);
    button.addEventListener('click', async () => {
      // The API requires the note: the resolution is a fact in the audit, and says why.
      if (!note.value.trim()) {
        error.textContent = 'Say why: the note is recorded in the audit.';
        return note.focus();
      }
      button.disabled = true;
      error.textContent = '';
      const body: ResolveDto = { note: note.value.trim() };
      try {
        const resolved = await this.context.api.post<ResolvedResponse>(`/v1/security-events/${encodeURIComponent(finding.id)}/resolve`, body, this.abort.signal);
        fill(status, `resolved: ${resolved.resolution?.note ?? body.note}`);
        form.remove();
        item.classList.add('resolved');
        // The form that had the focus is gone: the finding itself keeps the keyboard's place.
        item.tabIndex = -1;
        item.focus();
        this.context.announce(`Resolved the ${finding.signal} finding ${finding.id}.`);
      } catch (failure) {
        if (isAbort(failure)) return;
        if (failure instanceof ApiProblem && failure.code === 'ALREADY_RESOLVED') {
          fill(status, 'resolved (by someone else)');
          form.remove();
          return;
        }
        error.textContent = failure instanceof ApiProblem ? `${failure.code}: ${failure.message}` : 'Mandate cannot be reached; try again.';
        button.disabled = false;
      }
    });
    return form;
  }
}
