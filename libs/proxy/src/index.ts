export * from './address';
export * from './headers';
export * from './scrub';
export * from './upstream-client';
