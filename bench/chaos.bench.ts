/**
 * Chaos runs: real service processes (the build, dist/src/main.js, ROLE=api / ROLE=worker) on one
 * PostgreSQL the run owns (embedded, free port, temp dir), against the simulators (time-scaled
 * quotas), driven only over HTTP, the simulators only over their /_sim control API, the database
 * only read. Scenarios (`--scenario` / CHAOS_SCENARIO; `all`, the default, runs the three one after
 * another, each on a fresh cluster and database, and reports each):
 *
 * - `mixed` (issue 13; bench/lib/chaos-mixed.ts): N Pro users, each with a connection (most Fitbit ->
 *   Strava, a few Strava -> Fitbit) and a LAST_YEAR historical sync, through 1 API and 2 workers with
 *   every fault at once: 5xx on every endpoint including the OAuth token endpoints, 429 storms (token
 *   endpoints too), latency spikes, access-token expiry and short token lifetimes, SIGKILL of a random
 *   worker every few seconds (restarted as a supervisor would), one PostgreSQL restart, one
 *   revocation followed by a reauthorize, and a few invalid source records. Then the faults stop and
 *   the run settles until every sync has ended (or a timeout). Results: bench/results/chaos.json.
 * - `bad-records` (issue 25; bench/lib/chaos-bad-records.ts): 1 in 50 source records and 1 in 50
 *   destination writes fail with 500 every time, nothing else: exactly those records FAILED, their
 *   syncs COMPLETED_WITH_ERRORS with one N-06. Results: bench/results/chaos-bad-records.json.
 * - `worker-kills` (bench/lib/chaos-worker-kills.ts): 1 API and 1 worker, killed 1-2 s after each
 *   start for a minute; every sync COMPLETED within 2 minutes of the last kill.
 *   Results: bench/results/chaos-worker-kills.json.
 *
 * Exits 1 when a target of any scenario is missed. Options: bench/lib/chaos-options.ts (env CHAOS_*
 * or flags). Takes ~6-9 min for `mixed` with the defaults, ~15-20 min for `all`.
 */
import { runBadRecords } from './lib/chaos-bad-records.js';
import { runMixed } from './lib/chaos-mixed.js';
import { options, rng, type Scenario } from './lib/chaos-options.js';
import { stopCluster, type Cluster } from './lib/chaos-setup.js';
import { runWorkerKills } from './lib/chaos-worker-kills.js';
import { runCluster } from './lib/cluster-env.js';
import { printTable } from './lib/report.js';

const O = options();
const random = rng(O.seed);
let running = true;
/** The parts of the scenario's cluster that exist so far (what an interruption must stop). */
let current: Partial<Cluster> = {};
const onPart = (part: Partial<Cluster>) => Object.assign(current, part);

const RUNS: Record<Scenario, () => Promise<boolean>> = {
  mixed: () => runMixed(O, random, onPart, () => running),
  'bad-records': () => runBadRecords(O, random, onPart),
  'worker-kills': () => runWorkerKills(O, random, onPart, () => running),
};

async function main(): Promise<boolean> {
  const results: Array<{ scenario: Scenario; verdict: string; minutes: number }> = [];
  for (const scenario of O.scenarios) {
    if (!running) break;
    if (O.scenarios.length > 1) console.log(`\n=== scenario ${scenario} ===`);
    const started = Date.now();
    let verdict: string;
    try {
      verdict = (await RUNS[scenario]()) ? 'every target met' : 'targets missed';
    } catch (error) {
      verdict = 'failed';
      console.error(
        `${scenario} run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    } finally {
      const parts = current;
      current = {};
      await stopCluster(parts, O.keep);
    }
    results.push({ scenario, verdict, minutes: Math.round((Date.now() - started) / 6000) / 10 });
  }
  if (O.scenarios.length > 1) printTable('Scenarios', results);
  return results.length === O.scenarios.length && results.every((r) => r.verdict === 'every target met');
}

await runCluster(
  'chaos',
  () => ({ root: current.root ?? '', keep: O.keep, sup: current.sup, sims: current.sims, db: current.db }),
  main,
  () => (running = false),
);
