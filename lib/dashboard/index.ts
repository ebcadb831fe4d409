export { DashboardConfigError, FleetDashboard, SingleDashboardFactory } from './fleet-dashboard';
export type { FleetDashboardProps } from './fleet-dashboard';
export { CostMetricError, costPerHourProblems, fleetCostPerHour, inServiceInstances, spotInstancesExpression } from './cost-metric';
export type { FleetCostPerHourProps, FleetHourlyPrices } from './cost-metric';
