import { Controller, Delete, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { ServiceWriteResponse } from '../service.response';
import { RemoveSecretVersion } from './remove-secret.handler';

@Controller('v1/services')
export class RemoveSecretRoute {
  constructor(private readonly commands: CommandBus) {}

  @Delete(':name/secrets/:version')
  @Allow('admin')
  @ApiOkResponse({ type: ServiceWriteResponse, description: 'the service with the versions that remain' })
  @ApiOperation({ summary: 'Remove one secret version of a service (admin); the last one cannot be removed' })
  remove(@Param('name') name: string, @Param('version') version: string, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RemoveSecretVersion(name, version, principal));
  }
}
