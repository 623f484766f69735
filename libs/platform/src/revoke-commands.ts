import { Inject, Injectable } from '@nestjs/common';
import { missionDecider, missionStream } from '@mandate/missions';
import { Clock } from '@mandate/core';
import { AggregateRepository } from './repository';
import { MANDATE_STORAGE, MandateStorage, RevokeCommand } from './storage';
import { CLOCK } from './tokens';

/**
 * Revocations that detectors order. Sent through the storage (in-process, or the revoke-commands topic) and applied
 * by the passport service through the mission decider: revoking a revoked passport changes nothing, so a command
 * delivered twice revokes once.
 */
@Injectable()
export class RevokeCommands {
  constructor(
    @Inject(MANDATE_STORAGE) private readonly storage: MandateStorage,
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  send(command: RevokeCommand): Promise<void> {
    return this.storage.sendRevokeCommand(command, this.apply);
  }

  readonly apply = async (command: RevokeCommand): Promise<void> => {
    const now = this.clock.now().toISOString();
    await this.repository.execute(
      missionDecider,
      missionStream(command.missionId),
      { type: 'RevokePassport', reason: command.reason, scope: 'passport', now },
      { tenantId: command.tenantId, actor: command.actor, now, correlationId: command.correlationId, causationId: command.causationId },
    );
  };

  /** The passport service applies what other processes send. */
  consume(): void {
    this.storage.consumeRevokeCommands(this.apply);
  }
}
