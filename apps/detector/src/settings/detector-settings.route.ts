import { Body, Controller, Get, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { detectorSettingsDecider, detectorSettingsStream } from '@mandate/detectors';
import { AggregateRepository, Allow, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { ChangeDetectorSettings, settingsView } from './change-settings.handler';
import { SettingsDto } from './detector-settings.dto';
import { SettingsChangedResponse, SettingsView } from '../detector.response';

@Controller('v1/detectors/settings')
export class DetectorSettingsRoute {
  constructor(
    private readonly commands: CommandBus,
    private readonly repository: AggregateRepository,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'auditor')
  @ApiOkResponse({ type: SettingsView })
  @ApiOperation({ summary: "The tenant's detector settings" })
  async get(@CurrentPrincipal() principal: Principal) {
    return settingsView((await this.repository.load(detectorSettingsDecider, detectorSettingsStream(operatorOf(principal).tenantId))).state);
  }

  @Put()
  @Allow('admin')
  @ApiOkResponse({ type: SettingsChangedResponse })
  @ApiOperation({ summary: 'Replace the detector settings (admin); an event' })
  put(@Body() body: SettingsDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new ChangeDetectorSettings(principal, body));
  }
}
