// aws-cdk-lib runs its built-in CloudFormation validation (a WASM engine, seconds per app) on every synth.
// Construct tests synthesize hundreds of apps, so it is off here; test/stacks runs it once over every
// environment with the plugin registered explicitly, which this variable does not affect.
process.env.CDK_VALIDATION = 'false';
