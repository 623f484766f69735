import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse } from '@nestjs/swagger';
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
  submit(@Body() body: SubmitIntentDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new SubmitIntent(principal, body));
  }
}
