import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse } from '@nestjs/swagger';
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
  register(@Body() body: RegisterServiceDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RegisterService(body, principal));
  }
}
