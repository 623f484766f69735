import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { callShape, evaluatePolicy, policyDecider, policyOf, policyStream } from '@mandate/intents';
import { AggregateRepository, invalidUrl, operatorOf, Principal } from '@mandate/platform';
import { SimulatePolicyDto } from './simulate-policy.dto';

export class SimulatePolicy {
  constructor(readonly principal: Principal, readonly body: SimulatePolicyDto) {}
}

/**
 * What a policy (one being edited, or the saved one) would decide for an intent, for a person: nothing is stored, and
 * no mission is in play, so the answer is the policy's alone, by the same evaluation submit uses.
 */
@QueryHandler(SimulatePolicy)
export class SimulatePolicyHandler implements IQueryHandler<SimulatePolicy> {
  constructor(private readonly repository: AggregateRepository) {}

  async execute({ principal, body }: SimulatePolicy) {
    const { intent } = body;
    const shape = callShape(intent.target, intent.parameters);
    if (!shape) throw invalidUrl('intent.parameters.url');
    const policy = body.policy
      ? policyOf(body.policy)
      : (await this.repository.load(policyDecider, policyStream(operatorOf(principal).tenantId))).state.policy;
    const verdict = evaluatePolicy(policy, { namedIntent: intent.named_intent, service: intent.target, method: shape.method, amount: intent.amount ?? null });
    return { decision: verdict.decision, approvals_required: verdict.approvalsRequired, rule: verdict.rule, reason: verdict.reason };
  }
}
