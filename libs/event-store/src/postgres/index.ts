export { PostgresEventStore } from './postgres-event-store';
export type { PostgresEventStoreOptions } from './postgres-event-store';
export * from './relay-checkpoint';
export { MIGRATION_VERSIONS } from './migrations';
