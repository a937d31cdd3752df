/**
 * One archive scanned in a process of its own (bench/archive-scan.bench.ts), so its peak RSS is the
 * scan's and not the generator's: prints one JSON line with the counts, the time and the peak RSS.
 */
import { scanArchive } from '../../src/modules/providers/archive/scan-archive.js';

const file = process.argv[2];
let peak = process.memoryUsage().rss;
const baseline = peak;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const started = Date.now();
let sessions = 0;
let invalid = 0;
const { format, problems } = await scanArchive(file, async (r) => {
  if ('session' in r) sessions++;
  else invalid++;
});
clearInterval(sampler);
process.stdout.write(
  `${JSON.stringify({ format, sessions, invalid, problems: problems.length, seconds: (Date.now() - started) / 1000, baselineRss: baseline, peakRss: peak })}\n`,
);
