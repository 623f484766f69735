export * from './audit-entry';
export * from './chain-verification';
export * from './what-happened';
export * from './export-verification';
