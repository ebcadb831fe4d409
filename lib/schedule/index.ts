// The schedule's semantics (periods, merged windows, capacity levels, validation) live in lib/shared, which config
// validation shares; this concern adds the construct and the hours per month.
export * from '../shared/weekly-schedule';
export * from '../shared/capacity-levels';
export * from './hours-per-month';
export * from './scale-to-zero-schedule';
