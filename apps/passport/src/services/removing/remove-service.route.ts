import { Controller, Delete, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { RemovedServiceResponse } from '../service.response';
import { RemoveService } from './remove-service.handler';

@Controller('v1/services')
export class RemoveServiceRoute {
  constructor(private readonly commands: CommandBus) {}

  @Delete(':name')
  @Allow('admin')
  @ApiOkResponse({ type: RemovedServiceResponse })
  @ApiOperation({ summary: 'Remove a service (admin): its calls stop at once and its secrets are deleted' })
  remove(@Param('name') name: string, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RemoveService(name, principal));
  }
}
