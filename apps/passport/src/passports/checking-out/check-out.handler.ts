import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '@mandate/core';
import { AggregateRepository, CLOCK, commandContext, passportOf, Principal, usePassport } from '@mandate/platform';
import { CheckoutDto } from './checkout.dto';

export class CheckOut {
  constructor(readonly principal: Principal, readonly jti: string, readonly body: CheckoutDto) {}
}

/** The end of the mission: after it, every use of the passport is refused and recorded. */
@CommandHandler(CheckOut)
export class CheckOutHandler implements ICommandHandler<CheckOut> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, jti, body }: CheckOut) {
    const passport = passportOf(principal, jti);
    const { position, state } = await usePassport(this.repository, passport, commandContext(passport, passport.claims.tid, this.clock), {
      type: 'CheckOut',
      summary: body.summary ?? '',
      outcome: body.outcome,
    });
    return { jti, status: 'checked_out', outcome: state.checkedOut?.outcome, position };
  }
}
