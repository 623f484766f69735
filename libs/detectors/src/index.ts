export * from './detectors';
export * from './findings';
export * from './settings-stream';
export * from './replay-report';
