import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock, DomainError, ID_PATTERNS } from '@mandate/core';
import { findingsDecider, findingsStream } from '@mandate/detectors';
import { AggregateRepository, CLOCK, commandContext, operatorOf, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { securityEventView } from '../finding-view';

export class ResolveFinding {
  constructor(readonly principal: Principal, readonly findingId: string, readonly note: string) {}
}

/** An operator acknowledges a finding with a note; of two racing resolutions exactly one wins, the other is 409. */
@CommandHandler(ResolveFinding)
export class ResolveFindingHandler implements ICommandHandler<ResolveFinding> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, findingId, note }: ResolveFinding) {
    const operator = operatorOf(principal);
    if (!ID_PATTERNS.finding.test(findingId)) throw new DomainError('NOT_FOUND', `security event ${findingId} was not found`);
    const context = commandContext(operator, operator.tenantId, this.clock, { causationId: findingId });
    const { position } = await this.repository.execute(
      findingsDecider,
      findingsStream(operator.tenantId),
      { type: 'ResolveFinding', findingId, note, by: operator.actor, now: context.now },
      context,
    );
    await this.readModels.waitFor(position, 5000);
    const resolved = await this.readModels.securityEvent(operator.tenantId, findingId);
    if (!resolved) throw new DomainError('READ_MODELS_BEHIND', 'the resolution is stored; the read models are catching up');
    return { ...securityEventView(resolved), position };
  }
}
