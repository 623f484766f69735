import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { CreateKeyDto } from './create-key.dto';
import { CreateOperatorKey } from './create-key.handler';

@Controller('v1/keys')
export class CreateKeyRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Allow('admin')
  create(@Body() body: CreateKeyDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CreateOperatorKey(body.name, body.role, principal));
  }
}
