export * from './signals';
export * from './detectors';
export * from './detector-events';
export * from './findings';
export * from './settings-stream';
export * from './replay-report';
export * from './finding.decide';
