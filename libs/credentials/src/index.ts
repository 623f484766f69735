export * from './hosts';
export * from './presentation';
export * from './service-catalog';
export * from './envelope';
