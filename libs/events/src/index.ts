export * from './mandate-event';
