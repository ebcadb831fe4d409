/**
 * GPU facts of EC2 GPU instance types (count, memory, vendor), so the estimate can weigh types with no AWS account.
 * Which types exist is not decided here: the price data (the snapshot, the public spot feeds, DescribeInstanceTypes
 * on the live path) decides that; config validation only checks the name is of a GPU family. Figures are from the EC2
 * accelerated-computing instance type pages (https://aws.amazon.com/ec2/instance-types/#Accelerated_Computing); the
 * live capacity preflight in lib/pricing cross-checks them against DescribeInstanceTypes and its figures win.
 */
export interface GpuInstanceType {
  /** e.g. `g5.xlarge` */
  readonly name: string;
  /** Family, e.g. `g5` */
  readonly family: string;
  /** Number of GPUs */
  readonly gpus: number;
  /** GPU model, e.g. `NVIDIA A10G` */
  readonly gpuModel: string;
  /** Memory per GPU, GiB */
  readonly gpuMemoryGiB: number;
  readonly vcpus: number;
  /** Host memory, GiB */
  readonly memoryGiB: number;
  /** NVIDIA GPUs run the CloudWatch agent's nvidia_smi metrics; AMD ones (g4ad) do not. */
  readonly vendor: 'nvidia' | 'amd';
}

type Row = [size: string, gpus: number, vcpus: number, memoryGiB: number];

function family(fam: string, gpuModel: string, gpuMemoryGiB: number, vendor: 'nvidia' | 'amd', rows: Row[]): GpuInstanceType[] {
  return rows.map(([size, gpus, vcpus, memoryGiB]) => ({
    name: `${fam}.${size}`, family: fam, gpus, gpuModel, gpuMemoryGiB, vcpus, memoryGiB, vendor,
  }));
}

const CATALOG: readonly GpuInstanceType[] = [
  ...family('g4dn', 'NVIDIA T4', 16, 'nvidia', [
    ['xlarge', 1, 4, 16], ['2xlarge', 1, 8, 32], ['4xlarge', 1, 16, 64], ['8xlarge', 1, 32, 128],
    ['16xlarge', 1, 64, 256], ['12xlarge', 4, 48, 192], ['metal', 8, 96, 384],
  ]),
  ...family('g4ad', 'AMD Radeon Pro V520', 8, 'amd', [
    ['xlarge', 1, 4, 16], ['2xlarge', 1, 8, 32], ['4xlarge', 1, 16, 64], ['8xlarge', 2, 32, 128], ['16xlarge', 4, 64, 256],
  ]),
  ...family('g5', 'NVIDIA A10G', 24, 'nvidia', [
    ['xlarge', 1, 4, 16], ['2xlarge', 1, 8, 32], ['4xlarge', 1, 16, 64], ['8xlarge', 1, 32, 128],
    ['16xlarge', 1, 64, 256], ['12xlarge', 4, 48, 192], ['24xlarge', 4, 96, 384], ['48xlarge', 8, 192, 768],
  ]),
  ...family('g6', 'NVIDIA L4', 24, 'nvidia', [
    ['xlarge', 1, 4, 16], ['2xlarge', 1, 8, 32], ['4xlarge', 1, 16, 64], ['8xlarge', 1, 32, 128],
    ['16xlarge', 1, 64, 256], ['12xlarge', 4, 48, 192], ['24xlarge', 4, 96, 384], ['48xlarge', 8, 192, 768],
  ]),
  ...family('g6e', 'NVIDIA L40S', 48, 'nvidia', [
    ['xlarge', 1, 4, 32], ['2xlarge', 1, 8, 64], ['4xlarge', 1, 16, 128], ['8xlarge', 1, 32, 256],
    ['16xlarge', 1, 64, 512], ['12xlarge', 4, 48, 384], ['24xlarge', 4, 96, 768], ['48xlarge', 8, 192, 1536],
  ]),
  ...family('p3', 'NVIDIA V100', 16, 'nvidia', [['2xlarge', 1, 8, 61], ['8xlarge', 4, 32, 244], ['16xlarge', 8, 64, 488]]),
  ...family('p3dn', 'NVIDIA V100', 32, 'nvidia', [['24xlarge', 8, 96, 768]]),
  ...family('p4d', 'NVIDIA A100', 40, 'nvidia', [['24xlarge', 8, 96, 1152]]),
  ...family('p4de', 'NVIDIA A100', 80, 'nvidia', [['24xlarge', 8, 96, 1152]]),
  ...family('g5g', 'NVIDIA T4G', 16, 'nvidia', [
    ['xlarge', 1, 4, 8], ['2xlarge', 1, 8, 16], ['4xlarge', 1, 16, 32], ['8xlarge', 1, 32, 64], ['16xlarge', 2, 64, 128], ['metal', 2, 64, 128],
  ]),
  ...family('gr6', 'NVIDIA L4', 24, 'nvidia', [['4xlarge', 1, 16, 128], ['8xlarge', 1, 32, 256]]),
  ...family('p5', 'NVIDIA H100', 80, 'nvidia', [['4xlarge', 1, 16, 256], ['48xlarge', 8, 192, 2048]]),
  ...family('p6-b200', 'NVIDIA B200', 179, 'nvidia', [['48xlarge', 8, 192, 2048]]),
  ...family('p5e', 'NVIDIA H200', 141, 'nvidia', [['48xlarge', 8, 192, 2048]]),
  ...family('p5en', 'NVIDIA H200', 141, 'nvidia', [['48xlarge', 8, 192, 2048]]),
];

const BY_NAME = new Map(CATALOG.map((t) => [t.name, t]));

/**
 * GPU families EC2 offers. Sizes are not listed: a size the price data does not know is reported by the price lookup
 * (with what to do), and types whose GPU facts are not above (fractional g6f/gr6f GPUs, p6-b300) get them from
 * DescribeInstanceTypes on the live path.
 */
const GPU_FAMILIES: readonly string[] = [...new Set([...CATALOG.map((t) => t.family), 'g6f', 'gr6f', 'p6-b300'])];

/** Families that exist on EC2 but carry no GPU; used to tell "no GPU" apart from "does not exist". */
const NON_GPU_FAMILIES = new Set([
  'a1', 't2', 't3', 't3a', 't4g', 'm4', 'm5', 'm5a', 'm5n', 'm6a', 'm6g', 'm6i', 'm7a', 'm7g', 'm7i', 'm8g',
  'c4', 'c5', 'c5a', 'c5n', 'c6a', 'c6g', 'c6i', 'c7a', 'c7g', 'c7i', 'c8g', 'r4', 'r5', 'r5a', 'r6a', 'r6g',
  'r6i', 'r7a', 'r7g', 'r7i', 'r8g', 'x1', 'x2idn', 'z1d', 'i3', 'i4i', 'd3', 'h1', 'inf1', 'inf2', 'trn1', 'trn2',
  'dl1', 'f1', 'f2', 'vt1', 'hpc6a', 'hpc7g',
]);

/** The catalog entry for a GPU instance type, or undefined. */
export function gpuInstanceType(name: string): GpuInstanceType | undefined {
  return BY_NAME.get(name);
}

/** All GPU instance types in the catalog. */
export function allGpuInstanceTypes(): readonly GpuInstanceType[] {
  return CATALOG;
}

/**
 * Why `name` cannot be used as a fleet GPU instance type, or undefined when it can.
 * The wording is meant to end up in a config error message.
 */
export function gpuInstanceTypeProblem(name: string): string | undefined {
  if (BY_NAME.has(name)) return undefined;
  const m = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/.exec(name);
  if (!m) return 'is not an EC2 instance type name (expected <family>.<size>, e.g. g5.xlarge)';
  const fam = m[1];
  // A GPU family: whether this size exists in the region is the price data's call (the lookup says what to do).
  if (GPU_FAMILIES.includes(fam)) return undefined;
  if (NON_GPU_FAMILIES.has(fam)) return `has no GPU (family ${fam}); use a GPU family: ${GPU_FAMILIES.join(', ')}`;
  return `is not a known GPU instance type; GPU families are ${GPU_FAMILIES.join(', ')}`;
}

/** The GPU families config accepts. */
export function gpuFamilies(): readonly string[] {
  return GPU_FAMILIES;
}
