import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { policyDecider, policyOf, policyStream } from '@mandate/intents';
import { Decisions, Principal } from '@mandate/platform';
import { PolicyDto } from './policy.dto';

export class ChangeIntentPolicy {
  constructor(readonly principal: Principal, readonly body: PolicyDto) {}
}

/** Replacing a tenant's intent policy is an event: the first matching rule wins, else the default. */
@CommandHandler(ChangeIntentPolicy)
export class ChangeIntentPolicyHandler implements ICommandHandler<ChangeIntentPolicy> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ principal, body }: ChangeIntentPolicy) {
    const decision = this.decisions.byOperator(principal);
    const policy = policyOf(body);
    const { position } = await decision.execute(policyDecider, policyStream(decision.tenantId), { type: 'ChangeIntentPolicy', policy });
    return { ...policy, position };
  }
}
