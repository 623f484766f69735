import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ConsumeApprovalHandler } from './consuming/consume-approval.handler';
import { ConsumeApprovalRoute } from './consuming/consume-approval.route';
import { DecideIntentHandler } from './deciding/decide-intent.handler';
import { DecideIntentRoute } from './deciding/decide-intent.route';
import { ExpireIntentHandler, ExpirySweep } from './expiring/expire-intent.handler';
import { FollowQueueRoute } from './following/follow-queue.route';
import { IntentAccess, IntentChanges } from './intent-access';
import { ListIntentsRoute } from './listing/list-intents.route';
import { ChangeIntentPolicyHandler } from './policies/change-policy.handler';
import { PolicyRoute } from './policies/policy.route';
import { SimulatePolicyHandler } from './policies/simulate-policy.handler';
import { SimulatePolicyRoute } from './policies/simulate-policy.route';
import { SimulateIntentHandler } from './simulating/simulate-intent.handler';
import { SimulateIntentRoute } from './simulating/simulate-intent.route';
import { SubmitIntentHandler } from './submitting/submit-intent.handler';
import { SubmitIntentRoute } from './submitting/submit-intent.route';
import { WaitForIntentHandler } from './waiting/wait-for-intent.handler';
import { WaitForIntentRoute } from './waiting/wait-for-intent.route';

/** Intents, policy, the approval queue and the gate's consume route, each use case in its folder. */
@Module({
  imports: [CqrsModule],
  controllers: [
    SubmitIntentRoute,
    SimulateIntentRoute,
    ListIntentsRoute,
    FollowQueueRoute,
    WaitForIntentRoute,
    DecideIntentRoute,
    ConsumeApprovalRoute,
    PolicyRoute,
    SimulatePolicyRoute,
  ],
  providers: [
    IntentAccess,
    IntentChanges,
    ExpirySweep,
    SubmitIntentHandler,
    SimulateIntentHandler,
    WaitForIntentHandler,
    DecideIntentHandler,
    ExpireIntentHandler,
    ConsumeApprovalHandler,
    ChangeIntentPolicyHandler,
    SimulatePolicyHandler,
  ],
})
export class IntentModule {}
