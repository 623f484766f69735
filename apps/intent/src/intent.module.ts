import { Module } from '@nestjs/common';
import { IntentsController } from './intents/intents.controller';
import { IntentsService } from './intents/intents.service';
import { PoliciesController } from './policies/policies.controller';

/** Intents, policy, the approval queue and the gate. The passport service uses the gate for gated tool calls. */
@Module({
  controllers: [IntentsController, PoliciesController],
  providers: [IntentsService],
  exports: [IntentsService],
})
export class IntentModule {}
