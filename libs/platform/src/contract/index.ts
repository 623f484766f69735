export * from './openapi';
export * from './openapi.controller';
export * from './problem.response';
export * from './validated-properties';
export * from './common.response';
export * from './streams.response';
