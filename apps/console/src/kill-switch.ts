import { ApiProblem, MandateApi } from './api';
import { Directory } from './directory';
import { Child, el, fill } from './dom';
import { can, Role } from './roles';
import type { AgentDetailView, PassportRevokedResponse, PassportView, RevocationsResponse, RevokeAgentDto, RevokeAllDto, RevokePassportDto } from './types';

export interface KillSwitchContext {
  api: MandateApi;
  role: Role;
  tenantId: string;
  directory: Directory;
  announce(message: string): void;
}

/** What a reviewed kill switch would stop, and how to pull it. */
export interface Reviewed {
  /** The confirmation, naming what will stop. */
  stops: Child[];
  /** The confirm button's words. */
  confirm: string;
  /** Pulls it; answers what was done. */
  revoke(): Promise<string>;
}

/**
 * The kill switch of one passport, reviewed: what it is (its agent and mission) and what revoking it stops. Shared by
 * this page and a mission's timeline, so that both say the same words before the same revocation.
 */
export async function reviewPassportRevocation(
  api: MandateApi,
  directory: Directory,
  jti: string,
  reason: string,
  onRevoked?: (done: PassportRevokedResponse) => void,
): Promise<Reviewed> {
  const passport = await api.get<PassportView>(`/v1/passports/${encodeURIComponent(jti)}`);
  const agent = await directory.agent(passport.agent_id);
  const whose: Child[] = [' of agent ', agent?.name ?? '', ' ', el('code', {}, passport.agent_id), ', on the mission “', passport.intent.summary, '” (services: ', passport.intent.services.join(', '), ')'];
  return {
    stops:
      passport.status === 'active'
        ? ['This stops passport ', el('code', {}, passport.jti), ' (active)', ...whose, '. Its next call will be refused.']
        : ['Passport ', el('code', {}, passport.jti), ...whose, ` is ${passport.status.replace('_', ' ')} already: revoking it changes nothing.`],
    confirm: `Revoke passport ${passport.jti}`,
    revoke: async () => {
      const body: RevokePassportDto = reason ? { reason } : {};
      const done = await api.post<PassportRevokedResponse>(`/v1/passports/${encodeURIComponent(jti)}/revoke`, body);
      onRevoked?.(done);
      return done.already_revoked ? `Passport ${done.jti} was already revoked: nothing changed.` : `Revoked passport ${done.jti}.`;
    },
  };
}

interface Field {
  name: string;
  label: string;
  /** What a valid value looks like, checked before anything is asked (and shown when it does not match). */
  pattern: RegExp;
  example: string;
}

/**
 * The kill switch for one passport, an agent or the whole tenant. Each is two steps: "Review" reads what the target
 * is (the passport's agent and mission, the agent's name) and says what will stop; only the button of that
 * confirmation revokes. The server records who pulled it and why, and the revocation reaches the feeds.
 */
export class KillSwitchPage {
  readonly element: HTMLElement;

  constructor(private readonly context: KillSwitchContext) {
    const { api, directory } = context;
    this.element = el(
      'section',
      { attrs: { 'aria-labelledby': 'kill-switch-title' } },
      el('h1', { id: 'kill-switch-title', attrs: { tabindex: '-1' } }, 'Kill switch'),
      el('p', {}, 'A revocation takes effect at once and cannot be undone: the next call with a revoked passport is refused, and every verifier and revocation stream learns of it.'),
      this.form('passport', 'One passport', [{ name: 'jti', label: 'Passport (jti)', pattern: /^pp_[A-Za-z0-9_-]{16,64}$/, example: 'pp_…' }], ({ jti }, reason) =>
        reviewPassportRevocation(api, directory, jti, reason),
      ),
      this.form('agent', 'Every passport of an agent', [{ name: 'agentId', label: 'Agent id', pattern: /^agt_[A-Za-z0-9_-]{1,64}$/, example: 'agt_…' }], async ({ agentId }, reason) => {
        const agent = await api.get<AgentDetailView>(`/v1/agents/${encodeURIComponent(agentId)}`);
        return {
          stops: ['This stops every live passport of agent ', agent.name, ' ', el('code', {}, agent.id), ` (${agent.accountability_mode} mode). Each one's next call will be refused; new passports can still be issued to it.`],
          confirm: `Revoke every passport of ${agent.name}`,
          revoke: async () => {
            const body: RevokeAgentDto = reason ? { reason } : {};
            const done = await api.post<RevocationsResponse>(`/v1/agents/${encodeURIComponent(agentId)}/revoke`, body);
            return `Revoked ${done.revoked} passport${done.revoked === 1 ? '' : 's'} of agent ${agent.name}.`;
          },
        };
      }),
      can(context.role, 'revokeTenant')
        ? this.form('tenant', 'Every passport of the tenant', [], async (_values, reason) => ({
            stops: ['This stops every live passport of tenant ', el('code', {}, context.tenantId), ': every agent of the tenant, until new passports are issued.'],
            confirm: `Revoke every passport of tenant ${context.tenantId}`,
            revoke: async () => {
              const body: RevokeAllDto = { reason };
              const done = await api.post<RevocationsResponse>('/v1/revocations/all', body);
              return `Revoked ${done.revoked} passport${done.revoked === 1 ? '' : 's'} of the tenant.`;
            },
          }), true)
        : null,
    );
  }

  /** One kill switch: its fields and a reason, "Review", then a confirmation that names what will stop. */
  private form(
    id: string,
    title: string,
    fields: Field[],
    review: (values: Record<string, string>, reason: string) => Promise<Reviewed>,
    reasonRequired = false,
  ): HTMLElement {
    const inputs = fields.map((field) => {
      const input = el('input', { id: `kill-${id}-${field.name}`, attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false', required: '' } });
      return { field, input };
    });
    const reason = el('input', { id: `kill-${id}-reason`, attrs: { type: 'text', maxlength: '500', autocomplete: 'off', ...(reasonRequired ? { required: '' } : {}) } });
    const reviewButton = el('button', { attrs: { type: 'button', 'data-action': 'review' } }, 'Review');
    const error = el('p', { className: 'error', attrs: { role: 'alert' } });
    const confirmation = el('div', { className: 'confirmation', hidden: true, attrs: { role: 'group', 'aria-label': `Confirm: ${title}` } });
    const result = el('p', { className: 'result', attrs: { role: 'status' } });

    const cancel = () => {
      confirmation.hidden = true;
      confirmation.replaceChildren();
      reviewButton.focus();
    };
    reviewButton.addEventListener('click', async () => {
      error.textContent = '';
      result.textContent = '';
      const values: Record<string, string> = {};
      for (const { field, input } of inputs) {
        values[field.name] = input.value.trim();
        if (!field.pattern.test(values[field.name])) {
          error.textContent = `${field.label}: not one (it reads like ${field.example}).`;
          return input.focus();
        }
      }
      if (reasonRequired && !reason.value.trim()) {
        error.textContent = 'Say why: the reason is recorded with the revocation.';
        return reason.focus();
      }
      reviewButton.disabled = true;
      let reviewed: Reviewed;
      try {
        reviewed = await review(values, reason.value.trim());
      } catch (failure) {
        error.textContent = failure instanceof ApiProblem ? (failure.status === 404 ? 'Mandate knows no such thing in this tenant.' : `${failure.code}: ${failure.message}`) : 'Mandate cannot be reached.';
        return;
      } finally {
        reviewButton.disabled = false;
      }
      const confirm = el('button', { className: 'reject', attrs: { type: 'button', 'data-action': 'confirm' } }, reviewed.confirm);
      const back = el('button', { attrs: { type: 'button' } }, 'Cancel');
      confirm.addEventListener('click', async () => {
        confirm.disabled = back.disabled = true;
        try {
          const said = await reviewed.revoke();
          result.textContent = said;
          this.context.announce(said);
          for (const { input } of inputs) input.value = '';
          reason.value = '';
          cancel();
        } catch (failure) {
          error.textContent = failure instanceof ApiProblem ? `${failure.code}: ${failure.message}` : 'Mandate cannot be reached; nothing was revoked.';
          confirm.disabled = back.disabled = false;
        }
      });
      back.addEventListener('click', cancel);
      fill(confirmation, el('p', { className: 'warning' }, ...reviewed.stops), el('div', { className: 'buttons' }, confirm, back));
      confirmation.hidden = false;
      confirm.focus();
    });

    return el(
      'section',
      { className: 'kill', attrs: { 'aria-labelledby': `kill-${id}-title` } },
      el('h2', { id: `kill-${id}-title` }, title),
      el(
        'div',
        { className: 'fields' },
        ...inputs.flatMap(({ field, input }) => [el('label', { attrs: { for: input.id } }, field.label), input]),
        el('label', { attrs: { for: reason.id } }, reasonRequired ? 'Reason (recorded)' : 'Reason (recorded, optional)'),
        reason,
      ),
      reviewButton,
      error,
      confirmation,
      result,
    );
  }
}
