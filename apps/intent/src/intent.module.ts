import { Module } from '@nestjs/common';

/**
 * Intents, policy and the approval gate. Its commands and routes arrive with issue #3; the module exists now so the
 * four-service layout and the all-in-one host are in place from the start.
 */
@Module({})
export class IntentModule {}
