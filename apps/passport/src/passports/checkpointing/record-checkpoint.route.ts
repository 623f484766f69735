import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { CheckpointDto } from './checkpoint.dto';
import { RecordCheckpoint } from './record-checkpoint.handler';
import { CheckpointResponse } from '../passport.response';

@Controller('v1/passports')
export class RecordCheckpointRoute {
  constructor(private readonly commands: CommandBus) {}

  @Post(':jti/checkpoint')
  @HttpCode(200)
  @Allow('passport')
  @ApiOkResponse({ type: CheckpointResponse })
  @ApiOperation({ summary: 'Checkpoint; in enforced mode returns a refreshed token' })
  checkpoint(@Param('jti') jti: string, @Body() body: CheckpointDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RecordCheckpoint(principal, jti, body));
  }
}
