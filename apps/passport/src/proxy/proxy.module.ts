import { Module, OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { UpstreamClient } from '@mandate/proxy';
import { ProxyCallHandler } from './forwarding/proxy-call.handler';
import { ProxyCallRoute } from './forwarding/proxy-call.route';
import { ProxyMetrics } from './proxy-metrics';
import { ChangeProxySettingsHandler } from './settings/change-proxy-settings.handler';
import { ProxySettingsRoute } from './settings/proxy-settings.route';
import { ServicesModule } from '../services/services.module';

/**
 * The credential proxy, in the passport service: a proxied call is a use of a passport's mission, checked and recorded
 * in the mission's stream this service writes, with the credential only this service can open (ServicesModule).
 */
@Module({
  imports: [CqrsModule, ServicesModule],
  controllers: [ProxySettingsRoute, ProxyCallRoute],
  providers: [
    ProxyCallHandler,
    ChangeProxySettingsHandler,
    ProxyMetrics,
    // One connection pool per kind of upstream policy, kept for the process's life; closed with the module.
    { provide: UpstreamClient, useFactory: () => new UpstreamClient() },
  ],
})
export class ProxyModule implements OnApplicationShutdown {
  constructor(private readonly upstream: UpstreamClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.upstream.close();
  }
}
