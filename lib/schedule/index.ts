export * from './schedule';
export * from './scale-to-zero-schedule';
