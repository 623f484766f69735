import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { SubmitIntentDto } from './submit-intent.dto';
import { SubmitIntent } from './submit-intent.handler';
import { IntentView } from '../intent.response';

@Controller('v1/intents')
export class SubmitIntentRoute {
  constructor(private readonly commands: CommandBus) {}

  /** An agent describes one risky call before making it; policy auto-approves, queues it for people, or denies it. */
  @Post()
  @Allow('passport')
  @ApiCreatedResponse({ type: IntentView })
  @ApiOperation({ summary: 'Submit an intent (RFC 9396 authorization_details) before a risky call; policy decides' })
  submit(@Body() body: SubmitIntentDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new SubmitIntent(principal, body));
  }
}
