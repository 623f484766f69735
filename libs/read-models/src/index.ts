export * from './sqlite-read-models';
