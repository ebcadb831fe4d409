import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The architecture of every function the project builds (interruption handler, fallback controller, kill switch).
 * The constructs set it and the cost estimate prices the functions' duration at its rate (lib/stacks/cost-inputs.ts),
 * so the two cannot drift apart. Arm: duration costs about 20% less than x86 (https://aws.amazon.com/lambda/pricing/).
 * Runtime code must not import this file (it imports aws-cdk-lib).
 */
export const FUNCTION_ARCHITECTURE: lambda.Architecture = lambda.Architecture.ARM_64;
