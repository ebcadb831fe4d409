// The schedule's semantics (periods, merged windows, validation) live in lib/shared/weekly-schedule.ts, which config
// validation shares; this concern adds the construct and the hours per month.
export * from '../shared/weekly-schedule';
export * from './hours-per-month';
export * from './scale-to-zero-schedule';
