export * from './audit-entry';
export * from './chain-verification';
