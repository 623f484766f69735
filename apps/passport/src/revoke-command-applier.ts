import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { RevokeCommands } from '@mandate/platform';

/** The passport service applies the revocations detectors order (distributed mode: from the revoke-commands topic). */
@Injectable()
export class RevokeCommandApplier implements OnApplicationBootstrap {
  constructor(private readonly revokeCommands: RevokeCommands) {}

  onApplicationBootstrap(): void {
    this.revokeCommands.consume();
  }
}
