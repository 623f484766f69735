export * from './event-store';
export * from './event-stream';
export * from './follow';
export * from './key-verifiers';
export { malformedAppend } from './group-commit';
export * from './sqlite/sqlite-event-store';
export * from './postgres';
export * from './eventstoredb';
export * from './kafka';
