/**
 * Every synth warning id the project emits (`Annotations.addWarningV2`), in one place: the constructs take their ids
 * from here, and config validation accepts only these in an environment's `acknowledge` list. A new warning gets its
 * id here first.
 */
export const WARNING_IDS = {
  /** GpuFleet: a production fleet without an on-demand base. */
  noOnDemandBase: 'gpu-fleet:noOnDemandBase',
  /** GpuFleet: spot over one instance family only (its pools run dry together). */
  singleFamily: 'gpu-fleet:singleFamily',
  /** GpuFleet: the fleet spans one AZ. */
  singleAz: 'gpu-fleet:singleAz',
  /** GpuFleet: spot with a single instance type. */
  singleSpotPool: 'gpu-fleet:singleSpotPool',
  /** GpuFleet: predictive scaling asked for with a custom metric, so none was built. */
  predictiveScalingSkipped: 'gpu-fleet:predictiveScalingSkipped',
  /** BudgetGuard: no alert e-mail address. */
  budgetNoEmails: 'gpu-fleet:budgetNoEmails',
  /** BudgetGuard: the kill switch caps to a base of 0, which stops the whole fleet. */
  killSwitchBaseIsZero: 'gpu-fleet:killSwitchBaseIsZero',
  /** ScaleToZeroSchedule: the fleet comes "up" with min 0. */
  scheduleStartsAtZero: 'gpu-fleet:scheduleStartsAtZero',
  /** ScaleToZeroSchedule: the periods cover the whole week. */
  scheduleAlwaysOn: 'gpu-fleet:scheduleAlwaysOn',
  /** ServingWorkload: the image is pinned by a mutable tag, not a digest. */
  mutableImageTag: 'gpu-fleet:mutableImageTag',
  /** ServingWorkload: the image is pulled from outside ECR. */
  publicImage: 'gpu-fleet:publicImage',
  /** ServingWorkload: an environment variable whose name looks like a secret. */
  secretInEnvironment: 'gpu-fleet:secretInEnvironment',
  /** GpuFleetStack: serving has secrets (or an API key in its environment) behind an endpoint without a certificate. */
  secretOverHttp: 'gpu-fleet:secretOverHttp',
  /** GpuFleetStack: the model takes more than 90% of the GPU memory of a fleet type. */
  modelMayNotFit: 'gpu-fleet:modelMayNotFit',
  /** GpuFleetStack: a serving fleet in an existing VPC without an S3 gateway endpoint: model and image downloads over NAT. */
  downloadsOverNat: 'gpu-fleet:downloadsOverNat',
  /** ServingScaling: round robin over instance types whose throughput differs more than 2x (fast hosts idle). */
  unevenThroughput: 'gpu-fleet:unevenThroughput',
  /** Cost estimate: the expected monthly cost is over the environment's budget. */
  costOverBudget: 'gpu-fleet:costOverBudget',
  /** Cost estimate: a part could not be priced and is left out. */
  costPartLeftOut: 'gpu-fleet:costPartLeftOut',
  /** Cost estimate: a configured spot pool is in the >20% interruption-frequency bucket. */
  spotInterruptionRisk: 'gpu-fleet:spotInterruptionRisk',
  /** Cost estimate: the worst case is above cost.maxWorstCaseUsd. */
  worstCaseOverBudget: 'gpu-fleet:worstCaseOverBudget',
  /** Price lookup: a finding about the environment's prices (source, age, offerings). */
  pricing: 'gpu-fleet:pricing',
} as const;

/** A synth warning id of this project. */
export type WarningId = (typeof WARNING_IDS)[keyof typeof WARNING_IDS];

/** Every warning id, for validation and messages. */
export const KNOWN_WARNING_IDS: readonly WarningId[] = Object.values(WARNING_IDS);
