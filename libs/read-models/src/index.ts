export * from './read-models';
export * from './projection';
export * from './sqlite-read-models';
export * from './rebuild-comparison';
export * from './live-feed-listeners';
