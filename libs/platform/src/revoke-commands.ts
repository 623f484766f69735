import { Inject, Injectable } from '@nestjs/common';
import { Revocations } from './revocation';
import { MANDATE_STORAGE, MandateStorage, RevokeCommand } from './storage';

/**
 * Revocations that detectors order. Sent through the storage (in-process, or the revoke-commands topic) and applied
 * by the passport service through the one revocation path: revoking a revoked passport changes nothing, so a command
 * delivered twice revokes once.
 */
@Injectable()
export class RevokeCommands {
  constructor(
    @Inject(MANDATE_STORAGE) private readonly storage: MandateStorage,
    private readonly revocations: Revocations,
  ) {}

  send(command: RevokeCommand): Promise<void> {
    return this.storage.sendRevokeCommand(command, this.apply);
  }

  readonly apply = async (command: RevokeCommand): Promise<void> => {
    await this.revocations.revoke({ ...command, scope: 'passport' });
  };

  /** The passport service applies what other processes send. */
  consume(): void {
    this.storage.consumeRevokeCommands(this.apply);
  }
}
