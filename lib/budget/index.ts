export * from './budget-guard';
export { KILL_SWITCH_ENV } from './kill-switch-env';
