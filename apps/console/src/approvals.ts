import { ApiProblem, isAbort, MandateApi } from './api';
import { Directory } from './directory';
import { el, fill, row } from './dom';
import { actorText, amountText, revealInvisible, timeText, untilText } from './format';
import { jsonTree } from './json-tree';
import { can, Role } from './roles';
import { StreamFollower } from './sse';
import type { DecisionDto, IntentSummaryView, IntentView } from './types';

/** How often the time left on each card is written again (on screen only: nothing is asked of the server). */
const CLOCK_MS = 1000;

export interface QueueContext {
  api: MandateApi;
  role: Role;
  keyId: string;
  directory: Directory;
  /** Says something to screen readers and sighted users alike (the page's status line). */
  announce(message: string): void;
  /** The number of pending intents, for the navigation. */
  onCount(count: number): void;
  /** The key stopped working (revoked, its tenant disabled): the session is over. */
  onEnded(code: string, reason: string): void;
}

/** One pending intent on screen: its card, and the parts a poll updates in place. */
interface Card {
  summary: IntentSummaryView;
  item: HTMLLIElement;
  approvals: HTMLElement;
  expiry: HTMLElement;
  details: HTMLElement;
  decision: HTMLElement | null;
  /** How many approvals the shown details hold: when the queue says more, the details are read again. */
  detailedGiven: number | null;
}

/**
 * The approval queue, live: the pending intents from the queue's feed (GET /v1/intents/stream), then each submission,
 * approval and decision the moment it commits, each intent shown with what a person needs to decide (the agent, its
 * mission, the reason, the amount, and the exact call: method, full URL, the body as a canonical tree), approvals so
 * far against the quorum, and the time left. Cards are added and removed in place, never redrawn, so a note being
 * typed or the keyboard focus survives every change. A dropped feed resumes with Last-Event-ID (sse.ts): the feed
 * sends every intent that changed meanwhile, at its state now.
 */
export class ApprovalQueue {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly cards = new Map<string, Card>();
  private readonly abort = new AbortController();

  constructor(private readonly context: QueueContext) {
    this.heading = el('h1', { id: 'approvals-title', attrs: { tabindex: '-1' } }, 'Approvals');
    this.status = el('p', { className: 'feed-state', attrs: { 'data-state': 'connecting' } }, 'Loading the queue…');
    this.empty = el('p', { className: 'empty', hidden: true }, 'No intent is waiting for a decision.');
    this.list = el('ol', { className: 'cards', attrs: { 'aria-label': 'Pending intents' } });
    const intro = can(context.role, 'approve')
      ? 'Each intent is one call an agent wants to make. Approving opens it once, for exactly this call.'
      : `Your role (${context.role}) may see the queue but not decide.`;
    this.element = el('section', { attrs: { 'aria-labelledby': 'approvals-title' } }, this.heading, el('p', {}, intro), this.status, this.empty, this.list);
    this.feed = this.follow();
  }

  start(): void {
    this.feed.start();
    const clock = setInterval(() => this.tick(), CLOCK_MS);
    this.abort.signal.addEventListener('abort', () => clearInterval(clock), { once: true });
  }

  stop(): void {
    this.abort.abort();
    this.feed.stop();
  }

  private readonly feed: StreamFollower;

  private follow(): StreamFollower {
    return new StreamFollower(this.context.api, {
      path: '/v1/intents/stream',
      events: ['intent'],
      onEvent: (_position, data) => this.changed(data as IntentSummaryView),
      onState: (state) => {
        if (state.kind === 'ended') {
          this.setStatus('ended', `The queue's feed ended: ${state.reason}`);
          return this.context.onEnded(state.code, state.reason);
        }
        if (state.kind === 'live') {
          this.empty.hidden = this.cards.size > 0;
          return this.setStatus('live', 'Live: each intent appears the moment it is submitted.');
        }
        this.setStatus(state.kind, state.kind === 'connecting' ? 'Loading the queue…' : `The queue's feed dropped (${state.reason}); reconnecting.`);
      },
    });
  }

  private setStatus(state: string, text: string): void {
    if (this.status.dataset.state === state && this.status.textContent === text) return;
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  /** One intent as it stands now: on screen while pending, gone once decided or expired. */
  private changed(summary: IntentSummaryView): void {
    if (summary.status !== 'pending') return this.remove(summary.id);
    const card = this.cards.get(summary.id) ?? this.add(summary);
    card.summary = summary;
    showExpiry(card, Date.now());
    // The feed counts approvals; who gave them is in the intent itself.
    if (card.detailedGiven !== null && card.detailedGiven !== summary.approvals.given) void this.loadDetails(card);
    this.empty.hidden = this.cards.size > 0;
    this.context.onCount(this.cards.size);
  }

  private tick(): void {
    const now = Date.now();
    for (const card of this.cards.values()) showExpiry(card, now);
  }

  private add(summary: IntentSummaryView): Card {
    const headingId = `intent-${summary.id}`;
    const approvals = el('span', {}, `${summary.approvals.given} of ${summary.approvals.required}`);
    const expiry = el('span');
    const details = el('div', { className: 'intent-details' }, el('p', { className: 'loading' }, 'Reading the intent…'));
    const decision = can(this.context.role, 'approve') ? el('div', { className: 'decision' }) : null;
    const article = el(
      'article',
      { className: 'card', attrs: { 'aria-labelledby': headingId } },
      el('h2', { id: headingId }, summary.named_intent, ' ', el('code', { className: 'id' }, summary.id)),
      el(
        'dl',
        { className: 'facts' },
        ...row('Agent', this.context.directory.agentLabel(summary.agent_id)),
        ...row('Approvals', approvals),
        ...row('Submitted', timeText(summary.submitted_at)),
        ...row('Expires', expiry),
      ),
      details,
      decision,
    );
    const item = el('li', { attrs: { 'data-intent-id': summary.id } }, article);
    const card: Card = { summary, item, approvals, expiry, details, decision, detailedGiven: null };
    // Cards are kept in order of expiry (the most urgent first) by inserting each where it belongs: moving a card
    // that exists would take the keyboard focus away from it.
    const later = [...this.cards.values()].find((other) => byExpiry(summary, other.summary) < 0);
    this.list.insertBefore(item, later ? later.item : null);
    this.cards.set(summary.id, card);
    void this.loadDetails(card);
    return card;
  }

  private remove(id: string): void {
    const card = this.cards.get(id);
    if (!card) return;
    const hadFocus = card.item.contains(document.activeElement);
    card.item.remove();
    this.cards.delete(id);
    if (hadFocus) this.heading.focus();
    this.empty.hidden = this.cards.size > 0;
    this.context.onCount(this.cards.size);
  }

  private async loadDetails(card: Card): Promise<void> {
    let intent: IntentView;
    try {
      intent = await this.context.api.get<IntentView>(`/v1/intents/${encodeURIComponent(card.summary.id)}`, this.abort.signal);
    } catch (error) {
      if (!isAbort(error)) fill(card.details, el('p', { className: 'error' }, `Cannot read this intent: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    if (!this.cards.has(intent.id)) return;
    if (intent.status !== 'pending') return this.remove(intent.id);
    this.show(card, intent);
  }

  /** Fills a card with the intent's details; the decision controls are made once, so a note being typed stays. */
  private show(card: Card, intent: IntentView): void {
    const firstTime = card.detailedGiven === null;
    card.detailedGiven = intent.approvals.given.length;
    const given = intent.approvals.given;
    fill(card.approvals, `${given.length} of ${intent.approvals.required}`, given.length > 0 ? ` (${given.map(actorText).join(', ')})` : '');
    if (firstTime) {
      const call = intent.authorization_details[0]?.parameters;
      const mission = el('span', {}, el('code', { className: 'id' }, intent.mission_id));
      void this.context.directory.passport(intent.jti).then((passport) => {
        if (!passport) return;
        fill(mission, `${passport.intent.summary} `, el('span', { className: 'muted' }, `(services: ${passport.intent.services.join(', ')}; ${passport.accountability_mode} mode) `), el('code', { className: 'id' }, intent.mission_id));
        // What a rejection does besides: said before the button is pressed.
        if (passport.accountability_mode === 'enforced') card.decision?.querySelector('.consequence')?.replaceChildren('Rejecting also revokes the agent\'s passport (enforced mode).');
      });
      fill(
        card.details,
        el(
          'dl',
          { className: 'facts' },
          ...row('Mission', mission),
          ...row('Reason', el('span', { className: 'reason' }, intent.reason)),
          ...row('Amount', el('strong', {}, amountText(intent.amount))),
          ...row('Action', `${intent.target}: ${intent.action}`),
        ),
        el('h3', {}, 'The exact call'),
        call
          ? el(
              'div',
              { className: 'call' },
              el('p', { className: 'call-line' }, el('code', { className: 'method' }, revealInvisible(call.method)), ' ', el('code', { className: 'url' }, revealInvisible(call.url))),
              /^https:\/\//i.test(call.url) ? null : el('p', { className: 'warning' }, 'This URL is not https: the gate can never open for it over the network as approved.'),
              el('div', { className: 'body' }, el('p', { className: 'muted' }, 'Body, keys in canonical order:'), jsonTree(call.body)),
            )
          : el('p', {}, 'The intent describes no call.'),
      );
      if (card.decision) this.buildDecision(card, intent);
    }
    const mine = given.some((actor) => actor.kind === 'operator' && actor.id === this.context.keyId);
    const approve = card.decision?.querySelector<HTMLButtonElement>('button[data-action="approve"]');
    if (approve && mine) {
      approve.disabled = true;
      approve.textContent = 'You approved';
    }
  }

  private buildDecision(card: Card, intent: IntentView): void {
    const id = intent.id;
    const noteId = `note-${id}`;
    const note = el('textarea', { id: noteId, attrs: { rows: '2', maxlength: '1000' } });
    const error = el('p', { className: 'error', attrs: { role: 'alert' } });
    const approve = el('button', { className: 'approve', attrs: { type: 'button', 'data-action': 'approve', 'aria-describedby': `intent-${id}` } }, 'Approve');
    const reject = el('button', { className: 'reject', attrs: { type: 'button', 'data-action': 'reject', 'aria-describedby': `intent-${id}` } }, 'Reject');
    const decide = async (verdict: 'approve' | 'reject') => {
      approve.disabled = reject.disabled = true;
      error.textContent = '';
      const body: DecisionDto = note.value.trim() ? { note: note.value.trim() } : {};
      try {
        const decided = await this.context.api.post<IntentView>(`/v1/intents/${encodeURIComponent(id)}/${verdict}`, body, this.abort.signal);
        if (decided.status === 'pending') {
          this.context.announce(`Your approval of ${intent.named_intent} is recorded: ${decided.approvals.given.length} of ${decided.approvals.required}.`);
          this.show(card, decided);
          reject.disabled = false;
        } else {
          this.context.announce(`${decided.status === 'approved' ? 'Approved' : 'Rejected'}: ${intent.named_intent} (${id}).`);
          this.remove(id);
        }
      } catch (failure) {
        if (isAbort(failure)) return;
        if (failure instanceof ApiProblem && (failure.code === 'INTENT_NOT_PENDING' || failure.code === 'INTENT_EXPIRED' || failure.status === 404)) {
          this.context.announce(`${intent.named_intent} (${id}) was decided elsewhere or expired.`);
          return this.remove(id);
        }
        error.textContent = failure instanceof ApiProblem ? `${failure.code}: ${failure.message}` : 'Mandate cannot be reached; try again.';
        approve.disabled = approve.textContent !== 'Approve';
        reject.disabled = false;
      }
    };
    approve.addEventListener('click', () => void decide('approve'));
    reject.addEventListener('click', () => void decide('reject'));
    fill(
      card.decision!,
      el('label', { attrs: { for: noteId } }, 'Note for the record (optional)'),
      note,
      el('div', { className: 'buttons' }, approve, reject),
      el('p', { className: 'consequence muted' }),
      error,
    );
  }
}

const showExpiry = (card: Card, now: number): void => {
  card.expiry.textContent = `${timeText(card.summary.expires_at)} (${untilText(card.summary.expires_at, now)})`;
};

const byExpiry = (a: IntentSummaryView, b: IntentSummaryView): number => a.expires_at.localeCompare(b.expires_at) || a.id.localeCompare(b.id);
