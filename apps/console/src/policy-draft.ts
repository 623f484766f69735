import type { PolicyDto, PolicyView, RuleDto } from './types';

export type PolicyDecision = PolicyView['default'];
export const DECISIONS: readonly PolicyDecision[] = ['auto_approve', 'require_approval', 'deny'];
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** One rule as the table edits it: every field as typed, an empty one meaning "any". */
export interface RuleDraft {
  name: string;
  named_intent: string;
  service: string;
  method: string;
  currency: string;
  amount_min: string;
  amount_max: string;
  decision: PolicyDecision;
  approvals: string;
}

export interface PolicyDraft {
  default: PolicyDecision;
  default_approvals: string;
  rules: RuleDraft[];
}

const text = (value: string | number | undefined): string => (value === undefined ? '' : String(value));

export const emptyRule = (): RuleDraft => ({ name: '', named_intent: '', service: '', method: '', currency: '', amount_min: '', amount_max: '', decision: 'require_approval', approvals: '' });

export function draftOf(policy: PolicyView): PolicyDraft {
  return {
    default: policy.default,
    default_approvals: text(policy.default_approvals),
    rules: policy.rules.map((r) => ({
      name: r.name,
      named_intent: text(r.match.named_intent),
      service: text(r.match.service),
      method: text(r.match.method),
      currency: text(r.match.currency),
      amount_min: text(r.match.amount_min),
      amount_max: text(r.match.amount_max),
      decision: r.decision,
      approvals: text(r.approvals),
    })),
  };
}

/**
 * A typed number as the server should judge it: a number when it reads as one, else the text as typed, so the
 * server's refusal names the field (the console does not keep its own copy of the rules).
 */
function numberAsTyped(typed: string): number | undefined {
  const trimmed = typed.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return (Number.isFinite(value) ? value : trimmed) as number;
}

const given = <T>(value: T | undefined | '') => (value === undefined || value === '' ? undefined : value);

/** The body PUT /v1/policies/intents (and the simulation) takes: fields left empty are not sent, so they match anything. */
export function policyFromDraft(draft: PolicyDraft): PolicyDto {
  const rules: RuleDto[] = draft.rules.map((r) => {
    const match = Object.fromEntries(
      Object.entries({
        named_intent: given(r.named_intent.trim()),
        service: given(r.service.trim()),
        method: given(r.method),
        currency: given(r.currency.trim()),
        amount_min: numberAsTyped(r.amount_min),
        amount_max: numberAsTyped(r.amount_max),
      }).filter(([, value]) => value !== undefined),
    ) as RuleDto['match'];
    const approvals = numberAsTyped(r.approvals);
    return { name: r.name, match, decision: r.decision, ...(approvals === undefined ? {} : { approvals }) };
  });
  const defaultApprovals = numberAsTyped(draft.default_approvals);
  return { default: draft.default, ...(defaultApprovals === undefined ? {} : { default_approvals: defaultApprovals }), rules };
}

/** Moves the rule at `index` by `by` places (order matters: the first rule that matches decides). */
export function moveRule(rules: RuleDraft[], index: number, by: -1 | 1): RuleDraft[] {
  const to = index + by;
  if (to < 0 || to >= rules.length) return rules;
  const moved = [...rules];
  [moved[index], moved[to]] = [moved[to], moved[index]];
  return moved;
}

export type CallParsed = { call: Record<string, unknown> } | { problem: string };

/** The pasted call, or why it cannot be asked about (nothing is sent for text that is not a JSON object). */
export function parseCall(pasted: string): CallParsed {
  if (pasted.trim() === '') return { problem: 'Paste a call first: a JSON object with named_intent, target, action, parameters and amount.' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(pasted);
  } catch (error) {
    return { problem: `The call is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { problem: 'The call must be a JSON object, such as the example shown in the box.' };
  return { call: parsed as Record<string, unknown> };
}
