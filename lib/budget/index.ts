export * from './budget-guard';
export { KILL_SWITCH_RESERVED_CONCURRENCY, KILL_SWITCH_RETRY_ATTEMPTS, killSwitchResizeStatement } from './kill-switch';
export type { KillSwitchOptions } from './kill-switch';
export { KILL_SWITCH_ENV } from '../shared/kill-switch-env';
