import { ApiProblem, isAbort, MandateApi } from './api';
import { Child, el, fill, row } from './dom';
import { timeText } from './format';
import { can, Role } from './roles';
import type { AgentKeysResponse, AgentKeyView, AgentListResponse, AgentView, UpdateAgentDto } from './types';

export interface AgentsContext {
  api: MandateApi;
  role: Role;
  announce(message: string): void;
}

const MODES: ReadonlyArray<AgentView['accountability_mode']> = ['standard', 'logged', 'enforced'];
const PAGE_SIZE = 50;

const problemText = (error: unknown): string => (error instanceof ApiProblem ? `${error.code}: ${error.message}` : 'Mandate cannot be reached.');

/**
 * The tenant's agents, a page at a time: each with its accountability mode, whether it is suspended, and the keys its
 * runtime enrolled (thumbprint, status, when). Names and descriptions are the agent's own words and show as text.
 */
export class AgentsPage {
  readonly element: HTMLElement;
  private readonly list = el('ul', { className: 'cards agents', attrs: { 'aria-label': 'Agents' } });
  private readonly state = el('p', { className: 'feed-state', attrs: { role: 'status' } }, 'Loading the agents…');
  private readonly more = el('button', { attrs: { type: 'button' }, hidden: true }, 'Show more agents');
  private readonly abort = new AbortController();
  private cursor: string | null = null;
  private shown = 0;

  constructor(private readonly context: AgentsContext) {
    this.element = el(
      'section',
      { attrs: { 'aria-labelledby': 'agents-title' } },
      el('h1', { id: 'agents-title', attrs: { tabindex: '-1' } }, 'Agents'),
      el('p', {}, 'Every agent of the tenant, its accountability mode, and the keys its runtime enrolled to prove who it is.'),
      this.state,
      this.list,
      this.more,
    );
    this.more.addEventListener('click', () => void this.load());
  }

  start(): void {
    void this.load();
  }

  stop(): void {
    this.abort.abort();
  }

  private async load(): Promise<void> {
    this.more.disabled = true;
    try {
      const query = `?limit=${PAGE_SIZE}${this.cursor ? `&cursor=${encodeURIComponent(this.cursor)}` : ''}`;
      const page = await this.context.api.get<AgentListResponse>(`/v1/agents${query}`, this.abort.signal);
      for (const agent of page.agents) this.list.append(this.card(agent));
      this.shown += page.agents.length;
      this.cursor = page.next_cursor;
      this.more.hidden = !this.cursor;
      this.state.textContent = this.shown === 0 ? 'The tenant has no agents yet.' : `${this.shown} agent${this.shown === 1 ? '' : 's'}${this.cursor ? ' shown; there are more' : ''}.`;
    } catch (error) {
      if (isAbort(error)) return;
      this.state.textContent = `The agents could not be read: ${problemText(error)}`;
    } finally {
      this.more.disabled = false;
    }
  }

  private card(agent: AgentView): HTMLLIElement {
    const titleId = `agent-${agent.id}-name`;
    const mode = el('span', {}, agent.accountability_mode);
    const keys = el('div', { className: 'agent-keys' });
    const item = el(
      'li',
      { className: `card agent${agent.status === 'suspended' ? ' suspended' : ''}`, attrs: { 'data-agent-id': agent.id, 'aria-labelledby': titleId } },
      el('h2', { id: titleId, className: 'entry-title' }, agent.name),
      el(
        'dl',
        { className: 'facts' },
        ...row('Id', el('code', {}, agent.id)),
        ...row('Mode', mode),
        ...row('Status', agent.status === 'suspended' ? el('strong', {}, 'suspended') : 'active'),
        ...row('Registered', timeText(agent.registered_at)),
        ...(agent.description ? row('Description', agent.description) : []),
      ),
      can(this.context.role, 'changeAgentMode') ? this.modeForm(agent, mode) : null,
      keys,
    );
    void this.showKeys(agent, keys);
    return item;
  }

  private async showKeys(agent: AgentView, into: HTMLElement): Promise<void> {
    const heading = el('h3', {}, 'Keys');
    if (!can(this.context.role, 'readAgentKeys')) {
      fill(into, heading, el('p', { className: 'muted' }, `An agent's keys are shown to admin, operator and auditor keys; this ${this.context.role} key may not read them.`));
      return;
    }
    fill(into, heading, el('p', { className: 'muted' }, 'Reading the keys…'));
    try {
      const { keys } = await this.context.api.get<AgentKeysResponse>(`/v1/agents/${encodeURIComponent(agent.id)}/keys`, this.abort.signal);
      fill(into, heading, keys.length === 0 ? el('p', { className: 'muted' }, 'No key enrolled: this agent has not proved who it is.') : this.keyTable(agent, keys));
    } catch (error) {
      if (isAbort(error)) return;
      fill(into, heading, el('p', { className: 'error' }, `The keys could not be read: ${problemText(error)}`));
    }
  }

  private keyTable(agent: AgentView, keys: AgentKeyView[]): HTMLTableElement {
    return el(
      'table',
      { className: 'keys' },
      el('caption', { className: 'visually-hidden' }, `Keys of agent ${agent.name}`),
      el('thead', {}, el('tr', {}, el('th', { attrs: { scope: 'col' } }, 'Thumbprint (key id)'), el('th', { attrs: { scope: 'col' } }, 'Status'), el('th', { attrs: { scope: 'col' } }, 'Enrolled'))),
      el(
        'tbody',
        {},
        ...keys.map((key) =>
          el('tr', { attrs: { 'data-key-id': key.key_id } }, el('td', {}, el('code', {}, key.key_id)), el('td', {}, key.status), el('td', {}, timeText(key.enrolled_at))),
        ),
      ),
    );
  }

  /** Changing the mode takes effect on the agent's next passport; the server records who changed it and why. */
  private modeForm(agent: AgentView, shown: HTMLElement): HTMLFormElement {
    const selectId = `agent-${agent.id}-mode`;
    const select = el('select', { id: selectId }, ...MODES.map((m) => el('option', { attrs: { value: m } }, m)));
    select.value = agent.accountability_mode;
    const button = el('button', { attrs: { type: 'submit' } }, 'Change mode');
    const result: Child = el('span', { className: 'result', attrs: { role: 'status' } });
    const form = el('form', { className: 'mode' }, el('label', { attrs: { for: selectId } }, 'Accountability mode'), select, button, result);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const wanted = select.value as AgentView['accountability_mode'];
      if (wanted === shown.textContent) {
        result.textContent = `Already ${wanted}.`;
        return;
      }
      button.disabled = true;
      const body: UpdateAgentDto = { accountability_mode: wanted, reason: 'changed in the operator console' };
      this.context.api
        .patch<AgentView>(`/v1/agents/${encodeURIComponent(agent.id)}`, body, this.abort.signal)
        .then((changed) => {
          shown.textContent = changed.accountability_mode;
          result.textContent = `Now ${changed.accountability_mode}.`;
          this.context.announce(`Agent ${agent.name} is now in ${changed.accountability_mode} mode.`);
        })
        .catch((error) => {
          if (!isAbort(error)) result.textContent = `Not changed: ${problemText(error)}`;
        })
        .finally(() => (button.disabled = false));
    });
    return form;
  }
}
