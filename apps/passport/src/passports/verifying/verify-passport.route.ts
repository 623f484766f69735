import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Allow } from '@mandate/platform';
import { VerifyDto } from './verify-passport.dto';
import { VerifyPassport } from './verify-passport.handler';

@Controller('v1/passports')
export class VerifyPassportRoute {
  constructor(private readonly commands: CommandBus) {}

  /** Anyone holding a token may ask whether it is active now. */
  @Post('verify')
  @HttpCode(200)
  @Allow('public')
  verify(@Body() body: VerifyDto) {
    return this.commands.execute(new VerifyPassport(body.token));
  }
}
