import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProxySettings, proxySettingsDecider, proxySettingsStream } from '@mandate/proxy';
import { Decisions, Principal } from '@mandate/platform';

export class ChangeProxySettings {
  constructor(readonly settings: ProxySettings, readonly principal: Principal) {}
}

@CommandHandler(ChangeProxySettings)
export class ChangeProxySettingsHandler implements ICommandHandler<ChangeProxySettings> {
  constructor(private readonly decisions: Decisions) {}

  async execute({ settings, principal }: ChangeProxySettings) {
    const decision = this.decisions.byOperator(principal);
    const { state, position } = await decision.execute(proxySettingsDecider, proxySettingsStream(decision.tenantId), { type: 'ChangeProxySettings', settings });
    return { ...state.settings, position };
  }
}
