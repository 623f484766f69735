export * from './event';
export * from './errors';
export * from './canonical-json';
export * from './ids';
export * from './clock';
export * from './hash-chain';
export * from './decider';
export * from './upcasting';
