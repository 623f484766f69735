import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { ServiceWriteResponse } from '../service.response';
import { AddSecretDto } from './add-secret.dto';
import { AddSecretVersion } from './add-secret.handler';

@Controller('v1/services')
export class AddSecretRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':name/secrets')
  @Allow('admin')
  @ApiCreatedResponse({ type: ServiceWriteResponse, description: 'the service with its new current version; never the secret' })
  @ApiOperation({ summary: "Rotate a service's secret (admin): adds a version; older ones stay usable until removed" })
  add(@Param('name') name: string, @Body() body: AddSecretDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new AddSecretVersion(name, body.secret, principal));
  }
}
