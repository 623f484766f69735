import * as fs from 'fs';
import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { Clock, systemClock } from '@mandate/core';
import { EventStore } from '@mandate/event-store';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { loadConfig, MANDATE_CONFIG, MandateConfig } from './config';
import { AggregateRepository } from './repository';
import { PassportTokens } from './passport-tokens';
import { LONGEST_PASSPORT_SECONDS } from './signing-key-set';
import { Authenticator, AuthGuard, instanceAdminKeyHash } from './auth';
import { ProofOfPossession } from './proof-of-possession';
import { keyPepper, OperatorKeys } from './operator-keys';
import { ProblemDetailsFilter } from './problem';
import { mandateValidationPipe } from './validation';
import { compileMarkedDtos } from './compiled-validation';
import { Metrics } from './metrics';
import { EmbeddedStorage } from './embedded/storage-client';
import { DistributedStorage } from './distributed/distributed-storage';
import { MANDATE_STORAGE, MandateStorage } from './storage';
import { RevokeCommands } from './revoke-commands';
import { Revocations } from './revocation';
import { ApprovalGate } from './approval-gate';
import { Decisions } from './decisions';
import { RefusalTally } from './refusal-tally';
import { TenantStates } from './tenant-states';
import { OpenStreams } from './sse';

import { CLOCK, EVENT_STORE, EVENT_STREAM } from './tokens';
export { CLOCK, EVENT_STORE, EVENT_STREAM };

/**
 * The runtime every service module shares: store, stream, read models, keys, auth, and the one error shape. The
 * storage is embedded or distributed by configuration (MANDATE_STORE, MANDATE_STREAM); the services never know which.
 */
@Global()
@Module({
  providers: [
    { provide: MANDATE_CONFIG, useFactory: () => loadConfig() },
    {
      provide: MANDATE_STORAGE,
      inject: [MANDATE_CONFIG],
      useFactory: (config: MandateConfig): Promise<MandateStorage> => {
        fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
        fs.mkdirSync(config.keysDir, { recursive: true, mode: 0o700 });
        return config.store === 'embedded' ? EmbeddedStorage.start(config.dataDir) : DistributedStorage.open(config);
      },
    },
    { provide: EVENT_STORE, inject: [MANDATE_STORAGE], useFactory: (storage: MandateStorage) => storage.store },
    { provide: READ_MODELS, inject: [MANDATE_STORAGE], useFactory: (storage: MandateStorage) => storage.readModels },
    { provide: EVENT_STREAM, inject: [MANDATE_STORAGE], useFactory: (storage: MandateStorage) => storage.stream },
    { provide: AggregateRepository, inject: [EVENT_STORE], useFactory: (store: EventStore) => new AggregateRepository(store) },
    { provide: CLOCK, useValue: systemClock },
    {
      provide: PassportTokens,
      inject: [MANDATE_CONFIG, MANDATE_STORAGE],
      useFactory: (config: MandateConfig) => {
        const logger = new Logger('signing-keys');
        if (config.signingKeyRetentionSeconds < LONGEST_PASSPORT_SECONDS) {
          logger.warn(`MANDATE_SIGNING_KEY_RETENTION_SECONDS is ${config.signingKeyRetentionSeconds}: a rotation will cut short passports of up to ${LONGEST_PASSPORT_SECONDS} s (for tests only)`);
        }
        return PassportTokens.open(config.keysDir, config.issuer, { retentionSeconds: config.signingKeyRetentionSeconds, warn: (line) => logger.warn(line) });
      },
    },
    {
      provide: OperatorKeys,
      inject: [MANDATE_CONFIG, MANDATE_STORAGE],
      useFactory: (config: MandateConfig, storage: MandateStorage) => OperatorKeys.open(keyPepper(config.keysDir, config.keyPepper), storage.keyVerifiers, storage.store),
    },
    {
      provide: Authenticator,
      inject: [MANDATE_CONFIG, AggregateRepository, PassportTokens, OperatorKeys, CLOCK],
      useFactory: (config: MandateConfig, repository: AggregateRepository, tokens: PassportTokens, operatorKeys: OperatorKeys, clock: Clock) =>
        new Authenticator(repository, tokens, instanceAdminKeyHash(config.keysDir, config.adminKey), operatorKeys, clock),
    },
    ProofOfPossession,
    Metrics,
    Revocations,
    ApprovalGate,
    Decisions,
    RefusalTally,
    RevokeCommands,
    TenantStates,
    OpenStreams,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useValue: mandateValidationPipe },
  ],
  exports: [MANDATE_STORAGE, MANDATE_CONFIG, EVENT_STORE, EVENT_STREAM, READ_MODELS, AggregateRepository, CLOCK, PassportTokens, Authenticator, OperatorKeys, Metrics, Revocations, ApprovalGate, Decisions, RefusalTally, RevokeCommands, TenantStates, OpenStreams, ProofOfPossession],
})
export class PlatformModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('platform');

  constructor(
    @Inject(MANDATE_STORAGE) private readonly storage: MandateStorage,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.logger.log(`${this.storage.describe()}; event store at position ${this.storage.headPosition()}`);
    this.metrics.gauge('mandate_event_store_head_position', 'Last position this process knows the event store to have committed', () => this.storage.headPosition());
    this.metrics.gauge('mandate_read_models_position', 'Position of the last event the read models of this process have applied', () => this.readModels.position());
    for (const [name, { help, read }] of Object.entries(this.storage.gauges?.() ?? {})) this.metrics.gauge(name, help, read);
    const compiled = compileMarkedDtos();
    if (compiled.length > 0) this.logger.log(`request bodies judged by compiled rules: ${compiled.join(', ')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}
