export { DashboardConfigError, FleetDashboard, SingleDashboardFactory } from './fleet-dashboard';
export type { FleetDashboardProps, FleetHourlyPrices } from './fleet-dashboard';
