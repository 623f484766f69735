import * as fs from 'fs';
import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { systemClock } from '@mandate/core';
import { EventStore, EventStream, InProcessEventStream } from '@mandate/event-store';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { loadConfig, MANDATE_CONFIG, MandateConfig } from './config';
import { AggregateRepository } from './repository';
import { PassportTokens } from './passport-tokens';
import { Authenticator, AuthGuard, instanceAdminKeyHash } from './auth';
import { ProblemDetailsFilter } from './problem';
import { mandateValidationPipe } from './validation';
import { Metrics } from './metrics';
import { EmbeddedStorage } from './embedded/storage-client';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const EVENT_STREAM = Symbol('EVENT_STREAM');
export const CLOCK = Symbol('CLOCK');

/**
 * The embedded runtime every service module shares: store, stream, read models, keys, auth, and the one error shape.
 * The distributed adapters (issue 5) replace the providers here, not the services.
 */
@Global()
@Module({
  providers: [
    { provide: MANDATE_CONFIG, useFactory: () => loadConfig() },
    {
      provide: EmbeddedStorage,
      inject: [MANDATE_CONFIG],
      useFactory: (config: MandateConfig) => {
        fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
        return EmbeddedStorage.start(config.dataDir);
      },
    },
    { provide: EVENT_STORE, inject: [EmbeddedStorage], useFactory: (storage: EmbeddedStorage) => storage.store },
    { provide: READ_MODELS, inject: [EmbeddedStorage], useFactory: (storage: EmbeddedStorage) => storage.readModels },
    { provide: EVENT_STREAM, inject: [EVENT_STORE], useFactory: (store: EventStore) => new InProcessEventStream(store) },
    { provide: AggregateRepository, inject: [EVENT_STORE], useFactory: (store: EventStore) => new AggregateRepository(store) },
    { provide: CLOCK, useValue: systemClock },
    {
      provide: PassportTokens,
      inject: [MANDATE_CONFIG, EmbeddedStorage],
      useFactory: (config: MandateConfig) => PassportTokens.open(config.dataDir, config.issuer),
    },
    {
      provide: Authenticator,
      inject: [MANDATE_CONFIG, AggregateRepository, PassportTokens],
      useFactory: (config: MandateConfig, repository: AggregateRepository, tokens: PassportTokens) =>
        new Authenticator(repository, tokens, instanceAdminKeyHash(config.dataDir, config.adminKey)),
    },
    Metrics,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useValue: mandateValidationPipe },
  ],
  exports: [EmbeddedStorage, MANDATE_CONFIG, EVENT_STORE, EVENT_STREAM, READ_MODELS, AggregateRepository, CLOCK, PassportTokens, Authenticator, Metrics],
})
export class PlatformModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('platform');

  constructor(
    private readonly storage: EmbeddedStorage,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.logger.log(`event store at position ${this.storage.headPosition()}`);
    this.metrics.gauge('mandate_event_store_head_position', () => this.storage.headPosition());
    this.metrics.gauge('mandate_read_models_position', () => this.readModels.position());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}
