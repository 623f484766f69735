export * from './topics';
export * from './relay';
export * from './dead-letters';
export * from './kafka-event-stream';
export * from './command-consumer';
export * from './file-relay-checkpoint';
