import { Body, Controller, Param, Patch } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { ServiceWriteResponse } from '../service.response';
import { ChangeServiceDto } from './change-service.dto';
import { ChangeService } from './change-service.handler';

@Controller('v1/services')
export class ChangeServiceRoute {
  constructor(private readonly commands: CommandBus) {}

  @Patch(':name')
  @Allow('admin')
  @ApiOkResponse({ type: ServiceWriteResponse })
  @ApiOperation({ summary: "Change a service's hosts, internal hosts or presentation (admin)" })
  change(@Param('name') name: string, @Body() body: ChangeServiceDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new ChangeService(name, body, principal));
  }
}
