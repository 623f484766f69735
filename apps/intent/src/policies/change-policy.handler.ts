import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@mandate/core';
import { IntentPolicy, policyDecider, policyStream } from '@mandate/intents';
import { AggregateRepository, CLOCK, commandContext, operatorOf, Principal } from '@mandate/platform';
import { PolicyDto } from './policy.dto';

export class ChangeIntentPolicy {
  constructor(readonly principal: Principal, readonly body: PolicyDto) {}
}

/** Replacing a tenant's intent policy is an event: the first matching rule wins, else the default. */
@CommandHandler(ChangeIntentPolicy)
export class ChangeIntentPolicyHandler implements ICommandHandler<ChangeIntentPolicy> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, body }: ChangeIntentPolicy) {
    const operator = operatorOf(principal);
    const policy: IntentPolicy = {
      default: body.default,
      default_approvals: body.default_approvals ?? 1,
      rules: body.rules.map((r) => ({ name: r.name, match: { ...r.match }, decision: r.decision, ...(r.approvals ? { approvals: r.approvals } : {}) })),
    };
    const context = commandContext(operator, operator.tenantId, this.clock);
    const { position } = await this.repository.execute(policyDecider, policyStream(operator.tenantId), { type: 'ChangeIntentPolicy', policy }, context);
    return { ...policy, position };
  }
}
