import * as fs from 'fs';
import * as path from 'path';
import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { Clock, systemClock } from '@mandate/core';
import { EventStore, EventStream, InProcessEventStream, SqliteEventStore } from '@mandate/event-store';
import { SqliteReadModels } from '@mandate/read-models';
import { loadConfig, MANDATE_CONFIG, MandateConfig } from './config';
import { AggregateRepository } from './repository';
import { PassportTokens } from './passport-tokens';
import { Authenticator, AuthGuard, instanceAdminKeyHash } from './auth';
import { ProblemDetailsFilter } from './problem';
import { mandateValidationPipe } from './validation';
import { Metrics } from './metrics';

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
      provide: EVENT_STORE,
      inject: [MANDATE_CONFIG],
      useFactory: (config: MandateConfig) => {
        fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
        return new SqliteEventStore({ file: path.join(config.dataDir, 'events.db') });
      },
    },
    { provide: EVENT_STREAM, inject: [EVENT_STORE], useFactory: (store: EventStore) => new InProcessEventStream(store) },
    {
      provide: SqliteReadModels,
      inject: [MANDATE_CONFIG, EVENT_STORE],
      useFactory: (config: MandateConfig) => new SqliteReadModels(path.join(config.dataDir, 'read-models.db')),
    },
    { provide: AggregateRepository, inject: [EVENT_STORE], useFactory: (store: EventStore) => new AggregateRepository(store) },
    { provide: CLOCK, useValue: systemClock },
    {
      provide: PassportTokens,
      inject: [MANDATE_CONFIG, EVENT_STORE],
      useFactory: (config: MandateConfig) => PassportTokens.open(config.dataDir, config.issuer),
    },
    {
      provide: Authenticator,
      inject: [MANDATE_CONFIG, AggregateRepository, PassportTokens, EVENT_STORE],
      useFactory: (config: MandateConfig, repository: AggregateRepository, tokens: PassportTokens) =>
        new Authenticator(repository, tokens, instanceAdminKeyHash(config.dataDir, config.adminKey)),
    },
    Metrics,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useValue: mandateValidationPipe },
  ],
  exports: [MANDATE_CONFIG, EVENT_STORE, EVENT_STREAM, SqliteReadModels, AggregateRepository, CLOCK, PassportTokens, Authenticator, Metrics],
})
export class PlatformModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('platform');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EVENT_STREAM) private readonly stream: EventStream,
    private readonly readModels: SqliteReadModels,
    private readonly metrics: Metrics,
  ) {}

  async onModuleInit(): Promise<void> {
    const head = await this.store.headPosition();
    this.logger.log(`event store at position ${head}; read models at ${this.readModels.checkpoint}, catching up`);
    this.readModels.start(this.stream);
    this.metrics.gauge('mandate_event_store_head_position', () => this.store.headPosition());
    this.metrics.gauge('mandate_read_models_position', () => this.readModels.checkpoint);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.readModels.stop();
    await this.store.close();
    this.readModels.close();
  }
}

export type { Clock };
