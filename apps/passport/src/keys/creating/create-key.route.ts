import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { CreateKeyDto } from './create-key.dto';
import { CreateOperatorKey } from './create-key.handler';
import { CreatedKeyResponse } from '../key.response';

@Controller('v1/keys')
export class CreateKeyRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Allow('admin')
  @ApiCreatedResponse({ type: CreatedKeyResponse })
  @ApiOperation({ summary: 'Create an operator key with a role; the key is shown once' })
  create(@Body() body: CreateKeyDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CreateOperatorKey(body.name, body.role, principal));
  }
}
