/**
 * The `mixed` scenario of bench:chaos (issue 13): every fault at once through 1 API and 2 workers,
 * then faults off and settle; see bench/chaos.bench.ts. Its targets are in chaos-report.ts.
 */
import { ChaosScenario, PG_RESTART_AT, type RunRecord } from './chaos-scenario.js';
import * as sim from './chaos-faults.js';
import { sleep, type ChaosOptions } from './chaos-options.js';
import { report } from './chaos-report.js';
import {
  clock,
  progress,
  retry,
  setUpUsers,
  startCluster,
  startSync,
  waitSettled,
  type Cluster,
} from './chaos-setup.js';
import { databaseFigures, destinationDuplicates } from './chaos-verify.js';

export async function runMixed(
  O: ChaosOptions,
  random: () => number,
  onPart: (part: Partial<Cluster>) => void,
  isRunning: () => boolean,
): Promise<boolean> {
  const { t0, elapsed, log } = clock();
  let running = true;
  const live = () => running && isRunning();
  const run: RunRecord = {
    kills: 0,
    lastKillAt: 0,
    faultsOnAt: 0,
    faultsOffAt: 0,
    settledAt: 0,
    pg: { stopAt: 0, startedAt: 0, readyAt: 0, progressAt: 0 },
    revocation: {},
    polls: [],
    events: [],
  };
  const event = (e: string) => {
    run.events.push({ at: elapsed(), event: e });
    log(e);
  };
  console.log(
    `chaos run: ${O.users} users (${O.reverseUsers} Strava -> Fitbit), faults ${O.faultSeconds} s, settle <= ${O.settleSeconds} s, time scale ${O.timeScale}, seed ${O.seed}`,
  );
  const c = await startCluster(O, 'mixed', 2, random, onPart);
  const { db, sims, sup, apiUrl } = c;
  log(`service up: api ${apiUrl}, 2 workers; PostgreSQL on port ${db.port}; logs in ${c.logDir}`);
  const status = () =>
    `; kills ${run.kills}; unexpected exits ${sup.exits.filter((e) => !e.injected).length}`;

  const users = await setUpUsers(c, O);
  // one in a Strava source (if any), the others in Fitbit sources; none for the user whose grant is revoked
  const targets = [...(O.reverseUsers > 0 ? [users.at(-1)!] : []), ...users.slice(1)];
  for (let n = 0; n < O.invalidRecords; n++) {
    const u = targets[n % targets.length];
    await sim.plantInvalidRecord(u.source.simulator, u.source.provider, u.source.login, n);
  }
  log(`${users.length} users connected; ${O.invalidRecords} invalid source records planted`);

  const level = { errorRate: O.errorRate, spikeRate: 0.03, spikeMs: 1500 };
  for (const s of [sims.google.url, sims.strava.url]) {
    await sim.resetRequestCounts(s);
    await sim.faultsOn(s, level, O.tokenLifetimeSeconds);
  }
  run.faultsOnAt = Date.now();
  event(
    `faults on: ${O.errorRate * 100} % 5xx everywhere, 3 % latency spikes, token lifetime ${O.tokenLifetimeSeconds} s`,
  );
  for (const u of users) u.syncId = await startSync(u);
  event(`${users.length} LAST_YEAR syncs started`);

  const until = run.faultsOnAt + O.faultSeconds * 1000;
  const at = (share: number, task: () => Promise<unknown>) =>
    sleep(Math.max(0, run.faultsOnAt + share * O.faultSeconds * 1000 - Date.now())).then(() =>
      live() ? task() : undefined,
    );
  const chaos = new ChaosScenario(O, run, db, sup, random, event, elapsed, live);
  const poller = chaos.pollStatuses(users);
  const ticker = (async () => {
    while (live() && Date.now() < until) {
      await sleep(10_000);
      await progress(db.url, log, status());
    }
  })();
  // the revoked user reconnects once the sync pauses for it, which may come after the faults end
  const revocation = at(0.2, () => chaos.revokeAndReauthorize(users[0]));
  await Promise.all([
    chaos.killWorkers(until),
    chaos.expireTokens(users, until),
    at(0.15, () => chaos.storm('Strava', sims.strava.url, level)),
    at(PG_RESTART_AT, () => chaos.restartDatabase(apiUrl)),
    at(0.55, () => chaos.storm('Google', sims.google.url, level)),
    sleep(until - Date.now()),
  ]);
  const duringFaults = {
    google: await sim.requestCounts(sims.google.url),
    strava: await sim.requestCounts(sims.strava.url),
  };
  for (const s of [sims.google.url, sims.strava.url]) await sim.faultsOff(s, 3600);
  run.faultsOffAt = Date.now();
  event(`faults off after ${run.kills} worker kills; settling (at most ${O.settleSeconds} s)`);
  await ticker;
  await revocation;

  if (await waitSettled(db.url, Date.now() + O.settleSeconds * 1000, log, status)) run.settledAt = Date.now();
  event(run.settledAt ? 'every sync has ended' : 'settle timeout: some syncs never ended');
  running = false;
  await Promise.all([poller, chaos.recoveryWatch]);

  const figures = await retry(() => databaseFigures(db.url));
  const destinations = await destinationDuplicates(users.map((u) => u.destination));
  const requests = {
    google: await sim.requestCounts(sims.google.url),
    strava: await sim.requestCounts(sims.strava.url),
  };
  return report({
    options: O,
    duringFaults,
    run,
    figures,
    destinations,
    requests,
    exits: sup.exits,
    users: users.length,
    t0,
  });
}
