export * from './address';
export * from './headers';
export * from './scrub';
export * from './proxy-settings';
export * from './upstream-client';
