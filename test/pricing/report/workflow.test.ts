import * as fs from 'fs';
import * as path from 'path';
import { COST_COMMENT_MARKER } from '../../../lib/pricing/report/diff-markdown';

// Text checks on the workflow: the parts that must agree with the code (marker, scripts, modes, step order).
const yml = fs.readFileSync(path.join(__dirname, '../../../.github/workflows/cost-report.yml'), 'utf8');

describe('.github/workflows/cost-report.yml', () => {
  test('runs on pull requests with the permissions the comment needs and no more', () => {
    expect(yml).toMatch(/^on:\n {2}pull_request:\n/m);
    expect(yml).not.toMatch(/^ *pull_request_target:/m);
    expect(yml).toMatch(/^permissions:\n {2}contents: read\n {2}pull-requests: write\n/m);
  });

  test('synthesizes base and head offline from snapshots', () => {
    expect(yml.match(/npx cdk synth -c pricing=snapshot --quiet -o cdk\.out/g)).toHaveLength(2);
    expect(yml).toContain('ref: ${{ github.event.pull_request.base.sha }}');
  });

  test('the sticky comment looks for the marker cost:diff writes', () => {
    expect(yml.match(new RegExp(COST_COMMENT_MARKER, 'g'))!.length).toBeGreaterThanOrEqual(2);
    expect(yml).toContain('npm run --silent cost:diff -- ../base/cdk.out/cost-report.json cdk.out/cost-report.json --out cost-comment.md');
    expect(yml).toContain('github.rest.issues.updateComment');
  });

  test('the gate runs after the comment is posted', () => {
    const comment = yml.indexOf('Post or update the sticky comment');
    const check = yml.indexOf('npm run --silent cost:check -- cdk.out/cost-report.json --base ../base/cdk.out/cost-report.json');
    expect(comment).toBeGreaterThan(0);
    expect(check).toBeGreaterThan(comment);
  });
});
