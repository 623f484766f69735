export * from './detectors';
