import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Clock } from '@mandate/core';
import { AggregateRepository, Allow, CLOCK, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { passportOfTenant, passportView } from '../passport-view';
import { PassportView } from '../passport.response';

@Controller('v1/passports')
export class ReadPassportRoute {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':jti')
  @Allow('admin', 'operator', 'auditor', 'approver')
  @ApiOkResponse({ type: PassportView })
  @ApiOperation({ summary: 'One passport and its mission' })
  async get(@Param('jti') jti: string, @CurrentPrincipal() principal: Principal) {
    return passportView(await passportOfTenant(this.repository, operatorOf(principal).tenantId, jti), this.clock);
  }
}
