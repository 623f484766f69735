import { Inject, Injectable } from '@nestjs/common';
import { Actor, Clock, Decider, DomainEvent } from '@mandate/core';
import { MissionFacts, RefusalAlreadyRecorded } from '@mandate/missions';
import { Principal } from './auth';
import { CommandContext, commandContext } from './command-context';
import { operatorOf, PassportPrincipal, passportOf, PassportUseCommand, usePassport } from './passport-use';
import { RefusalTally } from './refusal-tally';
import { AggregateRepository, Executed } from './repository';
import { CLOCK } from './tokens';

/** One command's way to the store: its context, built once, and the repository's write path under it. */
export interface Decision {
  context: CommandContext;
  tenantId: string;
  execute<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, streamId: string, command: C | ((state: S) => C)): Promise<Executed<S>>;
}

/**
 * What every command handler asks of the write side: a decision for whoever sent the command (an operator key, a
 * passport, the system), so no handler builds a context or reads the clock itself.
 */
@Injectable()
export class Decisions {
  constructor(
    readonly repository: AggregateRepository,
    @Inject(CLOCK) readonly clock: Clock,
    private readonly refusals: RefusalTally,
  ) {}

  by(who: { actor: Actor }, tenantId: string, cause?: Parameters<typeof commandContext>[3]): Decision {
    const context = commandContext(who, tenantId, this.clock, cause);
    return { context, tenantId, execute: (decider, streamId, command) => this.repository.execute(decider, streamId, command, context) };
  }

  /** A command of a tenant's operator key (the route's audience has already been checked). */
  byOperator(principal: Principal, cause?: Parameters<typeof commandContext>[3]): Decision & { operator: ReturnType<typeof operatorOf> } {
    const operator = operatorOf(principal);
    return { ...this.by(operator, operator.tenantId, cause), operator };
  }

  /**
   * One use of the passport presented (in the path as `jti`, when given): a refusal is recorded, then answered; one
   * whose kind is already recorded in its window is counted and answered the same.
   */
  async usePassport(principal: Principal, command: PassportUseCommand, options: { jti?: string; context?: CommandContext } = {}): Promise<Executed<MissionFacts>> {
    const passport: PassportPrincipal = passportOf(principal, options.jti);
    try {
      return await usePassport(this.repository, passport, options.context ?? commandContext(passport, passport.claims.tid, this.clock), command);
    } catch (error) {
      if (error instanceof RefusalAlreadyRecorded) return this.refusals.answer(error);
      throw error;
    }
  }
}
