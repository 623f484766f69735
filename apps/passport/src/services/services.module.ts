import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LocalKeyProvider } from '@mandate/credentials';
import { AggregateRepository, Credentials, MANDATE_CONFIG, MANDATE_STORAGE, MandateConfig, MandateStorage, masterKeyOf } from '@mandate/platform';
import { ChangeServiceHandler } from './changing/change-service.handler';
import { ChangeServiceRoute } from './changing/change-service.route';
import { ServicesRoute } from './reading/services.route';
import { RegisterServiceHandler } from './registering/register-service.handler';
import { RegisterServiceRoute } from './registering/register-service.route';
import { RemoveSecretVersionHandler } from './removing-secret/remove-secret.handler';
import { RemoveSecretRoute } from './removing-secret/remove-secret.route';
import { RemoveServiceHandler } from './removing/remove-service.handler';
import { RemoveServiceRoute } from './removing/remove-service.route';
import { AddSecretVersionHandler } from './rotating/add-secret.handler';
import { AddSecretRoute } from './rotating/add-secret.route';

/**
 * Services and their credentials live in the passport service because the credential proxy will: a proxied call is a
 * use of a passport's mission (checked and recorded in the mission's stream, which this service writes), so the
 * passport service already holds everything a call needs but the secret. `Credentials` (which opens the master key
 * and refuses to start with another one) is exported for that route; no other service ever loads the master key.
 */
@Module({
  imports: [CqrsModule],
  controllers: [RegisterServiceRoute, ServicesRoute, ChangeServiceRoute, AddSecretRoute, RemoveSecretRoute, RemoveServiceRoute],
  providers: [
    {
      provide: Credentials,
      inject: [MANDATE_CONFIG, MANDATE_STORAGE, AggregateRepository],
      useFactory: (config: MandateConfig, storage: MandateStorage, repository: AggregateRepository) =>
        Credentials.open(new LocalKeyProvider(masterKeyOf(config.keysDir, config.masterKey)), storage.secretStore, repository),
    },
    RegisterServiceHandler,
    ChangeServiceHandler,
    AddSecretVersionHandler,
    RemoveSecretVersionHandler,
    RemoveServiceHandler,
  ],
  exports: [Credentials],
})
export class ServicesModule {}
