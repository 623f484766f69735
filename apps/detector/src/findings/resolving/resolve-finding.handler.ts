import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError, ID_PATTERNS } from '@mandate/core';
import { findingsDecider, findingsStream } from '@mandate/detectors';
import { Decisions, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { securityEventView } from '../finding-view';

export class ResolveFinding {
  constructor(readonly principal: Principal, readonly findingId: string, readonly note: string) {}
}

/** An operator acknowledges a finding with a note; of two racing resolutions exactly one wins, the other is 409. */
@CommandHandler(ResolveFinding)
export class ResolveFindingHandler implements ICommandHandler<ResolveFinding> {
  constructor(
    private readonly decisions: Decisions,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
  ) {}

  async execute({ principal, findingId, note }: ResolveFinding) {
    const decision = this.decisions.byOperator(principal, { causationId: findingId });
    if (!ID_PATTERNS.finding.test(findingId)) throw new DomainError('NOT_FOUND', `security event ${findingId} was not found`);
    const { position } = await decision.execute(findingsDecider, findingsStream(decision.tenantId), {
      type: 'ResolveFinding',
      findingId,
      note,
      by: decision.operator.actor,
      now: decision.context.now,
    });
    await this.readModels.waitFor(position, 5000);
    const resolved = await this.readModels.securityEvent(decision.tenantId, findingId);
    if (!resolved) throw new DomainError('READ_MODELS_BEHIND', 'the resolution is stored; the read models are catching up');
    return { ...securityEventView(resolved), position };
  }
}
