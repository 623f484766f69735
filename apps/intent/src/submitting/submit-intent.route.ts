import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, answerIdempotently, CurrentPrincipal, IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf, Principal } from '@mandate/platform';
import { SubmitIntentDto } from './submit-intent.dto';
import { SubmitIntent } from './submit-intent.handler';
import { IntentView } from '../intent.response';

@Controller('v1/intents')
export class SubmitIntentRoute {
  constructor(private readonly commands: CommandBus) {}

  /** An agent describes one risky call before making it; policy auto-approves, queues it for people, or denies it. */
  @Post()
  @Allow('passport')
  @ApiHeader(IDEMPOTENCY_KEY_HEADER)
  @ApiCreatedResponse({ type: IntentView, description: 'submitted' })
  @ApiOkResponse({ type: IntentView, description: 'the same intent, for a retried idempotency key (Idempotent-Replayed: true)' })
  @ApiOperation({ summary: 'Submit an intent (RFC 9396 authorization_details) before a risky call; policy decides' })
  async submit(
    @Body() body: SubmitIntentDto,
    @Headers('idempotency-key') header: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: { status(code: number): void; header(name: string, value: string): void },
  ) {
    const result = await this.commands.execute(new SubmitIntent(principal, body, idempotencyKeyOf(header)));
    answerIdempotently(reply, result.replayed);
    return result.body;
  }
}
