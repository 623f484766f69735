export * from './mission';
export * from './mission.decide';
