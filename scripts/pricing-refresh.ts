/**
 * `npm run pricing:refresh`: rewrites pricing/snapshot.json from live AWS data for every configured environment.
 * Needs AWS credentials (any standard source) with pricing:GetProducts, ec2:DescribeSpotPriceHistory,
 * ec2:DescribeInstanceTypeOfferings and ec2:DescribeInstanceTypes. Fails, and leaves the old snapshot alone,
 * if any price cannot be read.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { ENVIRONMENTS } from '../config/environments';
import { resolvePriceTable, writeSnapshot } from '../lib/pricing/lookup';
import { failureText } from '../lib/shared/errors';
import { priceRequestsFor } from '../lib/stacks/cost-inputs';

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const snapshotPath = path.join(root, 'pricing', 'snapshot.json');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pricing-refresh-'));
  const now = new Date();
  try {
    const res = await resolvePriceTable(priceRequestsFor(ENVIRONMENTS), {
      mode: 'live',
      cacheDir,
      snapshotPath,
      now,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    res.warnings.forEach((w) => process.stderr.write(`warning: ${w}\n`));
    writeSnapshot(snapshotPath, res.table, [
      `Written by npm run pricing:refresh on ${now.toISOString().slice(0, 10)} from live AWS data (Price List API GetProducts; ` +
        'EC2 DescribeSpotPriceHistory over the previous 7 days, time-weighted p50/p90; DescribeInstanceTypeOfferings).',
      'Each entry carries its own origin and validOn date. Regenerate with `npm run pricing:refresh`; never edit figures by hand.',
    ]);
    process.stderr.write(
      `pricing: wrote ${path.relative(root, snapshotPath)} (${res.table.onDemand.length} on-demand, ${res.table.spot.length} spot pools, ${res.table.units.length} unit prices)\n`,
    );
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${failureText(err)}\n`);
  process.exit(1);
});
