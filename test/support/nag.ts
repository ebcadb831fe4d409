import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/** One unacknowledged finding of a validation plugin (cdk-nag or CloudFormation): `RuleId path` plus its description. */
export interface NagFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly path: string;
  readonly severity: string;
  readonly description: string;
}

/**
 * A fresh App whose synth writes to a temp dir and runs the AwsSolutions pack (as bin/app.ts does), and with
 * `cloudFormation: true` also aws-cdk-lib's CloudFormation template validation.
 */
export function nagApp(options: { readonly cloudFormation?: boolean } = {}): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-fleet-nag-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (options.cloudFormation) Validations.of(app).addPlugins(new CloudFormationValidatePlugin());
  return app;
}

/**
 * Synthesizes `app` (made with `nagApp`) and returns every cdk-nag finding that is not acknowledged.
 * cdk-nag 3 is a policy-validation plugin: violations make `synth()` throw and land in validation-report.json.
 */
export function nagFindings(app: App): NagFinding[] {
  let thrown: unknown;
  try {
    app.synth();
  } catch (e) {
    thrown = e;
  }
  const report = path.join(app.outdir, 'validation-report.json');
  if (!fs.existsSync(report)) {
    if (thrown) throw thrown;
    return [];
  }
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8'));
  const findings: NagFinding[] = [];
  for (const plugin of parsed.pluginReports ?? []) {
    for (const v of plugin.violations ?? []) {
      for (const c of v.violatingConstructs ?? []) {
        findings.push({ plugin: plugin.pluginName, rule: v.ruleName, path: c.constructPath, severity: v.severity, description: v.description });
      }
    }
  }
  return findings;
}

/** Findings as one line each, for readable test failures. */
export function formatFindings(findings: readonly NagFinding[]): string[] {
  return findings.map((f) => `${f.rule} ${f.path}: ${f.description}`);
}
