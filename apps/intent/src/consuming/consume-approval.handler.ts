import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { approvalIdOf } from '@mandate/intents';
import { ApprovalGate, passportOf, Principal } from '@mandate/platform';
import { ConsumeDto } from './consume-approval.dto';

export class ConsumeApproval {
  constructor(readonly principal: Principal, readonly intentId: string, readonly body: ConsumeDto) {}
}

/** The gate, for a call the agent makes itself: the approval is spent together with this use of the passport. */
@CommandHandler(ConsumeApproval)
export class ConsumeApprovalHandler implements ICommandHandler<ConsumeApproval> {
  constructor(private readonly gate: ApprovalGate) {}

  async execute({ principal, intentId, body }: ConsumeApproval) {
    const approvalId = approvalIdOf(intentId);
    const { position } = await this.gate.pass(
      passportOf(principal),
      { approvalId, request: { service: body.service, method: body.method, url: body.url, body: body.body }, amount: body.amount },
      { type: 'UsePassport', operation: 'approval', services: [body.service] },
    );
    return { approval_id: approvalId, intent_id: intentId, consumed: true, position };
  }
}
