import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { CheckoutDto } from './checkout.dto';
import { CheckOut } from './check-out.handler';
import { CheckedOutResponse } from '../passport.response';

@Controller('v1/passports')
export class CheckOutRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':jti/checkout')
  @HttpCode(200)
  @Allow('passport')
  @ApiOkResponse({ type: CheckedOutResponse })
  @ApiOperation({ summary: 'End the mission' })
  checkout(@Param('jti') jti: string, @Body() body: CheckoutDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CheckOut(principal, jti, body));
  }
}
