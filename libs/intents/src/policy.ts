import { Amount } from './intent';

/** Named intents read like "stripe:refunds:create"; in a policy rule a trailing `*` matches a prefix. */
export const NAMED_INTENT = /^[a-z0-9][a-z0-9._:*-]{0,127}$/;

export const POLICY_DECISIONS = ['auto_approve', 'require_approval', 'deny'] as const;
export type PolicyDecision = (typeof POLICY_DECISIONS)[number];

export interface PolicyRule {
  name: string;
  /** Every field given must match; `named_intent` may end in `*` to match a prefix. */
  match: { named_intent?: string; service?: string; method?: string; currency?: string; amount_min?: number; amount_max?: number };
  decision: PolicyDecision;
  /** Distinct approvers needed, for require_approval. */
  approvals?: number;
}

export interface IntentPolicy {
  default: PolicyDecision;
  default_approvals: number;
  rules: PolicyRule[];
}

/** A policy as an admin writes it: the number of approvals the default needs may be left out. */
export interface WrittenPolicy {
  default: PolicyDecision;
  default_approvals?: number;
  rules: PolicyRule[];
}

/**
 * The policy a written one stands for, as it is kept and evaluated: the one reading shared by saving a policy and
 * simulating one before it is saved, so what a simulation says is what the saved policy will do.
 */
export function policyOf(written: WrittenPolicy): IntentPolicy {
  return {
    default: written.default,
    default_approvals: written.default_approvals ?? 1,
    rules: written.rules.map((r) => ({ name: r.name, match: { ...r.match }, decision: r.decision, ...(r.approvals ? { approvals: r.approvals } : {}) })),
  };
}

/** Until a tenant says otherwise, every intent waits for one person. */
export const DEFAULT_POLICY: IntentPolicy = { default: 'require_approval', default_approvals: 1, rules: [] };

export interface PolicyVerdict {
  decision: PolicyDecision;
  approvalsRequired: number;
  rule: string | null;
  reason: string;
}

export interface PolicySubject {
  namedIntent: string;
  service: string;
  method: string;
  amount: Amount | null;
}

function matches(rule: PolicyRule, subject: PolicySubject): boolean {
  const m = rule.match;
  if (m.named_intent !== undefined) {
    const wanted = m.named_intent;
    const ok = wanted.endsWith('*') ? subject.namedIntent.startsWith(wanted.slice(0, -1)) : subject.namedIntent === wanted;
    if (!ok) return false;
  }
  if (m.service !== undefined && m.service !== subject.service) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== subject.method.toUpperCase()) return false;
  const hasAmountCondition = m.currency !== undefined || m.amount_min !== undefined || m.amount_max !== undefined;
  if (hasAmountCondition) {
    // A rule about amounts says nothing about an intent that states none.
    if (!subject.amount) return false;
    if (m.currency !== undefined && m.currency.toUpperCase() !== subject.amount.currency.toUpperCase()) return false;
    if (m.amount_min !== undefined && !(subject.amount.value > m.amount_min)) return false;
    if (m.amount_max !== undefined && !(subject.amount.value <= m.amount_max)) return false;
  }
  return true;
}

const ruleVerdict = (rule: PolicyRule): PolicyVerdict => ({
  decision: rule.decision,
  approvalsRequired: rule.decision === 'require_approval' ? (rule.approvals ?? 1) : 0,
  rule: rule.name,
  reason: `rule "${rule.name}" matched`,
});

/** The first rule that matches decides; otherwise the default. Pure, so simulate and submit always agree. */
export function evaluatePolicy(policy: IntentPolicy, subject: PolicySubject): PolicyVerdict {
  for (const rule of policy.rules) {
    if (!matches(rule, subject)) continue;
    return ruleVerdict(rule);
  }
  return {
    decision: policy.default,
    approvalsRequired: policy.default === 'require_approval' ? policy.default_approvals : 0,
    rule: null,
    reason: 'no rule matched: the default applies',
  };
}

/**
 * The policy's word on a call made through the proxy, which has no named intent and no stated amount: the first rule
 * that names neither and matches the service and method decides. The default does not apply here: it is about
 * intents an agent chooses to submit, and would otherwise put every proxied call of a new tenant behind a person.
 * Null: no rule speaks of this call.
 */
export function evaluateCallPolicy(policy: IntentPolicy, call: { service: string; method: string }): PolicyVerdict | null {
  const subject: PolicySubject = { namedIntent: '', service: call.service, method: call.method, amount: null };
  for (const rule of policy.rules) {
    if (rule.match.named_intent !== undefined || !matches(rule, subject)) continue;
    return ruleVerdict(rule);
  }
  return null;
}
