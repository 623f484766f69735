import { Body, Controller, Get, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DEFAULT_PROXY_SETTINGS, proxySettingsDecider, proxySettingsStream } from '@mandate/proxy';
import { AggregateRepository, Allow, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { ProxySettingsDto } from './proxy-settings.dto';
import { ChangeProxySettings } from './change-proxy-settings.handler';
import { ChangedProxySettingsResponse, ProxySettingsResponse } from '../proxy.response';

/** The tenant's deny rules, masking and body capture for the credential proxy (README: "Credential proxy"). */
@Controller('v1/proxy/settings')
export class ProxySettingsRoute {
  constructor(
    private readonly commands: CommandBus,
    private readonly repository: AggregateRepository,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  @ApiOkResponse({ type: ProxySettingsResponse })
  @ApiOperation({ summary: "The tenant's proxy settings: deny rules, masking, body capture" })
  async read(@CurrentPrincipal() principal: Principal) {
    return (await this.repository.load(proxySettingsDecider, proxySettingsStream(operatorOf(principal).tenantId))).state.settings;
  }

  @Put()
  @Allow('admin')
  @ApiOkResponse({ type: ChangedProxySettingsResponse })
  @ApiOperation({ summary: "Replace the tenant's proxy settings (admin); what is left out takes its default" })
  change(@Body() body: ProxySettingsDto, @CurrentPrincipal() principal: Principal) {
    const settings = {
      deny_rules: (body.deny_rules ?? []).map((rule) => ({ ...rule, ...(rule.host ? { host: rule.host.toLowerCase() } : {}) })),
      masking: [...new Set(body.masking ?? DEFAULT_PROXY_SETTINGS.masking)],
      capture_bodies: body.capture_bodies ?? DEFAULT_PROXY_SETTINGS.capture_bodies,
      capture_limit_bytes: body.capture_limit_bytes ?? DEFAULT_PROXY_SETTINGS.capture_limit_bytes,
    };
    return this.commands.execute(new ChangeProxySettings(settings, principal));
  }
}
