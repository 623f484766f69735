import { ApiProblem, isAbort, MandateApi } from './api';
import { el, fill, row } from './dom';
import { can, Role } from './roles';
import { DECISIONS, draftOf, emptyRule, METHODS, moveRule, parseCall, PolicyDraft, policyFromDraft, RuleDraft } from './policy-draft';
import type { FieldProblem, PolicyChangedResponse, PolicySimulationResponse, PolicyView, SimulatePolicyDto } from './types';

export interface PolicyContext {
  api: MandateApi;
  role: Role;
  announce(message: string): void;
}

const EXAMPLE_CALL = JSON.stringify(
  {
    named_intent: 'stripe:refunds:create',
    target: 'stripe',
    action: 'POST /v1/refunds',
    parameters: { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { charge: 'ch_4821', amount: 4200 } },
    amount: { value: 42, currency: 'EUR' },
  },
  null,
  2,
);

const DECISION_WORDS: Record<string, string> = { auto_approve: 'approved at once', require_approval: 'queued for people', deny: 'denied' };

/** The columns of a rule, in the order of the table: what each input edits and how it is labelled. */
const MATCH_COLUMNS: ReadonlyArray<{ field: keyof RuleDraft; label: string; path: string; hint?: string }> = [
  { field: 'name', label: 'Name', path: 'name' },
  { field: 'named_intent', label: 'Named intent', path: 'match.named_intent', hint: 'stripe:refunds:*' },
  { field: 'service', label: 'Service', path: 'match.service', hint: 'stripe' },
  { field: 'currency', label: 'Currency', path: 'match.currency', hint: 'EUR' },
  { field: 'amount_min', label: 'Amount over', path: 'match.amount_min' },
  { field: 'amount_max', label: 'Amount up to', path: 'match.amount_max' },
];

const fieldText = (field: string): string => field.replace(/^policy\./, '').replace(/^rules\.(\d+)\./, (_all, n: string) => `rule ${Number(n) + 1}, `);

/**
 * The tenant's intent policy as a table: one row per rule, in order (the first that matches decides), and the
 * default for an intent no rule matches. An admin edits and saves it; the simulation asks the server what the policy
 * AS SHOWN (saved or not) would decide for a pasted call, by the same evaluation submit uses, storing nothing.
 */
export class PolicyPage {
  readonly element: HTMLElement;
  private readonly editable: boolean;
  private draft: PolicyDraft = { default: 'require_approval', default_approvals: '1', rules: [] };
  private changed = false;
  private readonly abort = new AbortController();
  private readonly state = el('p', { className: 'feed-state', attrs: { role: 'status' } }, 'Reading the policy…');
  private readonly defaults = el('div', { className: 'policy-defaults' });
  private readonly rules = el('tbody');
  private readonly problems = el('div', { className: 'problems', attrs: { role: 'alert' } });
  private readonly form: HTMLFormElement;
  private readonly call = el('textarea', { id: 'simulate-call', attrs: { rows: '9', spellcheck: 'false', placeholder: EXAMPLE_CALL, 'aria-describedby': 'simulate-hint' } });
  private readonly verdict = el('div', { className: 'verdict', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly simulateButton = el('button', { attrs: { type: 'button' } }, 'Simulate');

  constructor(private readonly context: PolicyContext) {
    this.editable = can(context.role, 'changePolicy');
    this.form = el(
      'form',
      { className: 'policy', attrs: { 'aria-label': 'The policy', novalidate: '' } },
      this.defaults,
      el(
        'table',
        { className: 'rules' },
        el('caption', {}, 'Rules, in order: the first rule whose every filled field matches the intent decides. An empty field matches anything.'),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { attrs: { scope: 'col' } }, '#'),
            ...MATCH_COLUMNS.slice(0, 3).map((c) => el('th', { attrs: { scope: 'col' } }, c.label)),
            el('th', { attrs: { scope: 'col' } }, 'Method'),
            ...MATCH_COLUMNS.slice(3).map((c) => el('th', { attrs: { scope: 'col' } }, c.label)),
            el('th', { attrs: { scope: 'col' } }, 'Decision'),
            el('th', { attrs: { scope: 'col' } }, 'Approvals'),
            this.editable ? el('th', { attrs: { scope: 'col' } }, 'Order') : null,
          ),
        ),
        this.rules,
      ),
      this.editable ? el('p', {}, el('button', { className: 'add-rule', attrs: { type: 'button' } }, 'Add a rule')) : null,
      this.problems,
      this.editable
        ? el('p', { className: 'buttons' }, el('button', { className: 'approve save', attrs: { type: 'submit' } }, 'Save policy'), el('button', { className: 'revert', attrs: { type: 'button' } }, 'Undo changes'))
        : el('p', { className: 'read-only' }, `Only an admin key may change the policy, and this is a ${context.role} key: the policy is shown read-only. The simulation below still asks what it decides.`),
    );
    this.element = el(
      'section',
      { attrs: { 'aria-labelledby': 'policy-title' } },
      el('h1', { id: 'policy-title', attrs: { tabindex: '-1' } }, 'Intent policy'),
      el('p', {}, 'What happens to an intent an agent submits: approved at once, queued until enough people approve, or denied.'),
      this.state,
      this.form,
      el(
        'section',
        { className: 'simulate', attrs: { 'aria-labelledby': 'simulate-title' } },
        el('h2', { id: 'simulate-title' }, 'Simulate a call'),
        el('label', { attrs: { for: 'simulate-call' } }, 'The call, as JSON'),
        el('p', { id: 'simulate-hint', className: 'muted' }, 'Paste what an agent would submit (named_intent, target, action, parameters, amount). The server answers what the policy as shown above would decide, unsaved changes included; nothing is stored.'),
        this.call,
        el('p', {}, this.simulateButton),
        this.verdict,
      ),
    );
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (this.editable) void this.save();
    });
    this.form.querySelector('.add-rule')?.addEventListener('click', () => {
      this.draft.rules.push(emptyRule());
      this.edited();
      this.render();
      this.rules.querySelector<HTMLInputElement>(`tr:last-child input`)?.focus();
    });
    this.form.querySelector('.revert')?.addEventListener('click', () => void this.load('Changes undone: the saved policy is shown.'));
    this.simulateButton.addEventListener('click', () => void this.simulate());
  }

  start(): void {
    void this.load();
  }

  stop(): void {
    this.abort.abort();
  }

  private async load(message?: string): Promise<void> {
    try {
      const policy = await this.context.api.get<PolicyView>('/v1/policies/intents', this.abort.signal);
      this.show(policy, message ?? 'The saved policy.');
    } catch (error) {
      if (isAbort(error)) return;
      this.state.textContent = `The policy could not be read: ${error instanceof ApiProblem ? `${error.code}: ${error.message}` : 'Mandate cannot be reached.'}`;
    }
  }

  private show(policy: PolicyView, message: string): void {
    this.draft = draftOf(policy);
    this.changed = false;
    this.state.textContent = message;
    fill(this.problems);
    this.render();
  }

  private edited(): void {
    if (this.changed) return;
    this.changed = true;
    this.state.textContent = 'Changed here, not saved yet.';
  }

  private render(): void {
    const defaultId = 'policy-default';
    const approvalsId = 'policy-default-approvals';
    fill(
      this.defaults,
      el(
        'fieldset',
        {},
        el('legend', {}, 'The default'),
        el('label', { attrs: { for: defaultId } }, 'When no rule matches'),
        this.decisionSelect(this.draft.default, (d) => (this.draft.default = d), defaultId, 'default'),
        el('label', { attrs: { for: approvalsId } }, 'Approvals it then needs'),
        this.input(this.draft.default_approvals, (v) => (this.draft.default_approvals = v), { id: approvalsId, field: 'default_approvals', numeric: true }),
      ),
    );
    fill(this.rules, ...this.draft.rules.map((rule, index) => this.ruleRow(rule, index)));
    if (this.draft.rules.length === 0) fill(this.rules, el('tr', {}, el('td', { attrs: { colspan: '11' } }, 'No rules: the default decides every intent.')));
  }

  private ruleRow(rule: RuleDraft, index: number): HTMLTableRowElement {
    const n = index + 1;
    const named = (what: string) => `Rule ${n} ${what}`;
    const cell = (column: (typeof MATCH_COLUMNS)[number]) =>
      el(
        'td',
        {},
        this.input(rule[column.field] as string, (v) => ((rule[column.field] as string) = v), {
          label: named(column.label.toLowerCase()),
          field: `rules.${index}.${column.path}`,
          hint: column.hint,
          numeric: column.field.startsWith('amount'),
        }),
      );
    const method = el('select', { attrs: { 'aria-label': named('method'), 'data-field': `rules.${index}.match.method` } }, el('option', { attrs: { value: '' } }, 'any'), ...METHODS.map((m) => el('option', { attrs: { value: m } }, m)));
    method.value = rule.method;
    method.disabled = !this.editable;
    method.addEventListener('change', () => {
      rule.method = method.value;
      this.edited();
    });
    const order = this.editable
      ? el(
          'td',
          { className: 'order' },
          this.orderButton('↑', `Move rule ${n} up`, index === 0, () => this.move(index, -1, 0)),
          this.orderButton('↓', `Move rule ${n} down`, index === this.draft.rules.length - 1, () => this.move(index, 1, 1)),
          this.orderButton('Remove', `Remove rule ${n}`, false, () => {
            this.draft.rules.splice(index, 1);
            this.edited();
            this.render();
            this.context.announce(`Rule ${n} removed.`);
            (this.form.querySelector<HTMLElement>('.add-rule') ?? this.form).focus();
          }),
        )
      : null;
    return el(
      'tr',
      { attrs: { 'data-rule': String(index) } },
      el('th', { attrs: { scope: 'row' } }, String(n)),
      ...MATCH_COLUMNS.slice(0, 3).map(cell),
      el('td', {}, method),
      ...MATCH_COLUMNS.slice(3).map(cell),
      el('td', {}, this.decisionSelect(rule.decision, (d) => (rule.decision = d), undefined, `rules.${index}.decision`, named('decision'))),
      el('td', {}, this.input(rule.approvals, (v) => (rule.approvals = v), { label: named('approvals'), field: `rules.${index}.approvals`, numeric: true })),
      order,
    );
  }

  private move(index: number, by: -1 | 1, button: number): void {
    this.draft.rules = moveRule(this.draft.rules, index, by);
    this.edited();
    this.render();
    const to = index + by;
    this.context.announce(`Rule moved to place ${to + 1}.`);
    // The focus follows the rule it moved, to the same button (or the other one, at the top or the bottom).
    const buttons = [...this.rules.querySelectorAll<HTMLButtonElement>(`tr[data-rule="${to}"] .order button`)];
    (buttons[button].disabled ? buttons[1 - button] : buttons[button])?.focus();
  }

  private orderButton(text: string, label: string, disabled: boolean, onClick: () => void): HTMLButtonElement {
    const button = el('button', { attrs: { type: 'button', 'aria-label': label } }, text);
    button.disabled = disabled;
    button.addEventListener('click', onClick);
    return button;
  }

  private input(value: string, set: (value: string) => void, options: { id?: string; label?: string; field: string; hint?: string; numeric?: boolean }): HTMLInputElement {
    const attrs: Record<string, string> = { type: 'text', spellcheck: 'false', autocomplete: 'off', 'data-field': options.field };
    if (options.label) attrs['aria-label'] = options.label;
    if (options.hint) attrs.placeholder = options.hint;
    if (options.numeric) attrs.inputmode = 'decimal';
    const input = el('input', { id: options.id, attrs });
    input.value = value;
    input.disabled = !this.editable;
    input.addEventListener('input', () => {
      set(input.value);
      this.edited();
    });
    return input;
  }

  private decisionSelect(value: string, set: (d: RuleDraft['decision']) => void, id: string | undefined, field: string, label?: string): HTMLSelectElement {
    const select = el('select', { id, attrs: { 'data-field': field, ...(label ? { 'aria-label': label } : {}) } }, ...DECISIONS.map((d) => el('option', { attrs: { value: d } }, `${d.replace('_', ' ')} (${DECISION_WORDS[d]})`)));
    select.value = value;
    select.disabled = !this.editable;
    select.addEventListener('change', () => {
      set(select.value as RuleDraft['decision']);
      this.edited();
    });
    return select;
  }

  /** The server's refusal beside the form: each field it names, marked in the table too. */
  private showProblems(into: HTMLElement, error: unknown, prefix: string): void {
    for (const marked of this.form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid');
    if (!(error instanceof ApiProblem)) {
      fill(into, el('p', { className: 'error' }, 'Mandate cannot be reached.'));
      return;
    }
    const fields: FieldProblem[] = error.fieldProblems.filter((p) => p.field.startsWith(prefix)).map((p) => ({ ...p, field: p.field.slice(prefix.length) }));
    for (const { field } of fields) this.form.querySelector(`[data-field="${CSS.escape(field)}"]`)?.setAttribute('aria-invalid', 'true');
    fill(
      into,
      el('p', { className: 'error' }, `${error.code}: ${error.message}`),
      error.fieldProblems.length ? el('ul', { className: 'error' }, ...error.fieldProblems.map((p) => el('li', {}, `${fieldText(p.field)}: ${p.problems.join('; ')}`))) : null,
    );
  }

  private async save(): Promise<void> {
    const button = this.form.querySelector<HTMLButtonElement>('.save')!;
    button.disabled = true;
    fill(this.problems);
    try {
      const saved = await this.context.api.put<PolicyChangedResponse>('/v1/policies/intents', policyFromDraft(this.draft), this.abort.signal);
      this.show(saved, `Saved: from now on, intents are decided by this policy (position ${saved.position}).`);
      this.context.announce('Policy saved.');
    } catch (error) {
      if (isAbort(error)) return;
      this.showProblems(this.problems, error, '');
      this.context.announce('The policy was not saved.');
    } finally {
      button.disabled = false;
    }
  }

  private async simulate(): Promise<void> {
    const parsed = parseCall(this.call.value);
    if ('problem' in parsed) {
      fill(this.verdict, el('p', { className: 'error' }, parsed.problem));
      return;
    }
    const underWhat = this.changed ? 'the policy as edited here (not saved)' : 'the saved policy';
    this.simulateButton.disabled = true;
    try {
      const body = { policy: policyFromDraft(this.draft), intent: parsed.call } as SimulatePolicyDto;
      const verdict = await this.context.api.post<PolicySimulationResponse>('/v1/policies/intents/simulate', body, this.abort.signal);
      fill(
        this.verdict,
        el('p', {}, `Under ${underWhat}, this call would be `, el('strong', { className: 'decision-word', attrs: { 'data-decision': verdict.decision } }, DECISION_WORDS[verdict.decision] ?? verdict.decision), '.'),
        el(
          'dl',
          { className: 'facts' },
          ...row('Decision', verdict.decision),
          ...row('Rule', verdict.rule ?? 'none: the default applies'),
          ...row('Approvals', String(verdict.approvals_required)),
          ...row('Why', verdict.reason),
        ),
      );
    } catch (error) {
      if (isAbort(error)) return;
      this.showProblems(this.verdict, error, 'policy.');
    } finally {
      this.simulateButton.disabled = false;
    }
  }
}
