import type { PolicyChangedResponse, PolicyDto, PolicyView, RuleDto } from '../generated/openapi.js';
import type { Transport } from '../transport.js';
import type { Signal } from './signal.js';

export type Decision = PolicyDto['default'];

export interface IntentPolicy extends Signal {
  default: Decision;
  /** The first rule that matches decides; none: the default. */
  rules?: RuleDto[];
  defaultApprovals?: number;
}

export class Policies {
  constructor(private readonly t: Transport) {}

  get({ signal }: Signal = {}): Promise<PolicyView> {
    return this.t.send((init) => this.t.api.GET('/v1/policies/intents', init), { signal });
  }

  /** Replaces the tenant's intent policy whole. */
  replace({ default: decision, rules = [], defaultApprovals, signal }: IntentPolicy): Promise<PolicyChangedResponse> {
    const body = { default: decision, rules, default_approvals: defaultApprovals };
    return this.t.send((init) => this.t.api.PUT('/v1/policies/intents', { body, ...init }), { signal });
  }
}
