export * from './call-shape';
export * from './policy';
export * from './policy-stream';
export * from './intent';
export * from './intent.decide';
