import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { ServiceWriteResponse } from '../service.response';
import { RegisterServiceDto } from './register-service.dto';
import { RegisterService } from './register-service.handler';

@Controller('v1/services')
export class RegisterServiceRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Allow('admin')
  @ApiCreatedResponse({ type: ServiceWriteResponse, description: 'the service and its first secret version; never the secret' })
  @ApiOperation({ summary: 'Register a service (admin): the hosts its credential may go to, how it is presented, and the secret (write-only)' })
  register(@Body() body: RegisterServiceDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RegisterService(body, principal));
  }
}
