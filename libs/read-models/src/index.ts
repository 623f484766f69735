export * from './read-models';
export * from './sqlite-read-models';
