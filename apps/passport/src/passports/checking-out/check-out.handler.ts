import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Decisions, Principal } from '@mandate/platform';
import { CheckoutDto } from './checkout.dto';

export class CheckOut {
  constructor(readonly principal: Principal, readonly jti: string, readonly body: CheckoutDto) {}
}

/** The end of the mission: after it, every use of the passport is refused and recorded. */
@CommandHandler(CheckOut)
export class CheckOutHandler implements ICommandHandler<CheckOut> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ principal, jti, body }: CheckOut) {
    const { position, state } = await this.decisions.usePassport(principal, { type: 'CheckOut', summary: body.summary ?? '', outcome: body.outcome }, { jti });
    return { jti, status: 'checked_out', outcome: state.checkedOut?.outcome, position };
  }
}
