import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { callShape, evaluatePolicy, policyDecider, policyStream } from '@mandate/intents';
import { missionDecider, missionStream, withinMission } from '@mandate/missions';
import { AggregateRepository, invalidUrl, passportOf, Principal } from '@mandate/platform';
import { SubmitIntentDto } from '../submitting/submit-intent.dto';

export class SimulateIntent {
  constructor(readonly principal: Principal, readonly body: SubmitIntentDto) {}
}

/** What policy would decide for this intent, and why, with no state change: the same scope rule and policy as submit. */
@QueryHandler(SimulateIntent)
export class SimulateIntentHandler implements IQueryHandler<SimulateIntent> {
  constructor(private readonly repository: AggregateRepository) {}

  async execute({ principal, body }: SimulateIntent) {
    const passport = passportOf(principal);
    const shape = callShape(body.target, body.parameters);
    if (!shape) throw invalidUrl('parameters.url');
    const mission = (await this.repository.load(missionDecider, missionStream(passport.claims.mission_id))).state;
    const policy = (await this.repository.load(policyDecider, policyStream(passport.claims.tid))).state.policy;
    const verdict = evaluatePolicy(policy, { namedIntent: body.named_intent, service: body.target, method: shape.method, amount: body.amount ?? null });
    const inScope = mission.status === 'issued' && withinMission(mission.services, body.target);
    return {
      decision: inScope ? verdict.decision : 'refused',
      approvals_required: inScope ? verdict.approvalsRequired : 0,
      rule: verdict.rule,
      reason: inScope ? verdict.reason : `service "${body.target}" is outside this mission's services`,
      in_scope: inScope,
    };
  }
}
