import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Decisions, PassportTokens, Principal } from '@mandate/platform';
import { signPassport } from '../passport-view';
import { CheckpointDto } from './checkpoint.dto';

export class RecordCheckpoint {
  constructor(readonly principal: Principal, readonly jti: string, readonly body: CheckpointDto) {}
}

/** The agent reports progress; in enforced mode the checkpoint is what renews its short-lived token. */
@CommandHandler(RecordCheckpoint)
export class RecordCheckpointHandler implements ICommandHandler<RecordCheckpoint> {
  constructor(
    private readonly decisions: Decisions,
    private readonly tokens: PassportTokens,
  ) {}

  async execute({ principal, jti, body }: RecordCheckpoint) {
    const { state, position, events } = await this.decisions.usePassport(
      principal,
      { type: 'RecordCheckpoint', servicesUsed: body.services_used ?? [], actionsCount: body.actions_count ?? 0, summary: body.summary ?? '' },
      { jti },
    );
    const at = events[0]?.occurredAt ?? state.issuedAt;
    const token = state.accountabilityMode === 'enforced' ? await signPassport(this.tokens, state, at) : undefined;
    return { jti, checkpoint_due_at: state.checkpointDueAt, expires_at: state.leashExpiresAt, ...(token ? { token } : {}), position };
  }
}
