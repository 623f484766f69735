import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow } from '@mandate/platform';
import { VerifyDto } from './verify-passport.dto';
import { VerifyPassport } from './verify-passport.handler';
import { VerifyResponse } from '../passport.response';

@Controller('v1/passports')
export class VerifyPassportRoute {
  constructor(private readonly commands: CommandBus) {}

  /** Anyone holding a token may ask whether it is active now. */
  @Post('verify')
  @HttpCode(200)
  @Allow('public')
  @ApiOkResponse({ type: VerifyResponse })
  @ApiOperation({ summary: 'Introspection: is this token active now' })
  verify(@Body() body: VerifyDto) {
    return this.commands.execute(new VerifyPassport(body.token));
  }
}
