/**
 * The `worker-kills` scenario of bench:chaos: 1 API and ONE worker; for `killSeconds` the worker is
 * SIGKILLed 1-2 s after each (re)start (the supervisor restarts it 1-2 s later), a crash loop with
 * no other fault. Afterwards every sync must be COMPLETED within `killSettleSeconds` of the last
 * kill, with no duplicate at the destinations and one N-05 each. Results:
 * bench/results/chaos-worker-kills.json.
 */
import { sqlRows } from './chaos-cluster.js';
import { sleep, type ChaosOptions } from './chaos-options.js';
import { notifications, orchestrationTimes } from './chaos-poison-verify.js';
import {
  clock,
  retry,
  setUpUsers,
  startCluster,
  startSync,
  waitSettled,
  type Cluster,
} from './chaos-setup.js';
import { databaseFigures, destinationDuplicates } from './chaos-verify.js';
import { printTable, printTargets, round, writeResult } from './report.js';

const WORKER = 'worker-1';

export async function runWorkerKills(
  O: ChaosOptions,
  random: () => number,
  onPart: (part: Partial<Cluster>) => void,
  isRunning: () => boolean,
): Promise<boolean> {
  const { t0, log } = clock();
  console.log(
    `worker-kills run: ${O.killUsers} users (${O.killReverseUsers} Strava -> Fitbit), 1 worker killed 1-2 s after each start for ${O.killSeconds} s, then <= ${O.killSettleSeconds} s to complete`,
  );
  const c = await startCluster(O, 'worker-kills', 1, random, onPart);
  log(`service up: api ${c.apiUrl}, 1 worker; PostgreSQL on port ${c.db.port}; logs in ${c.logDir}`);
  const users = await setUpUsers(c, {
    users: O.killUsers,
    reverseUsers: O.killReverseUsers,
    sessionsPerWeek: O.sessionsPerWeek,
  });
  for (const u of users) u.syncId = await startSync(u);
  log(`${users.length} users connected, ${users.length} LAST_YEAR syncs started; killing ${WORKER}`);

  const { sup } = c;
  const until = Date.now() + O.killSeconds * 1000;
  let kills = 0;
  let lastKillAt = 0;
  let handled: { at: number } | undefined;
  while (Date.now() < until && isRunning()) {
    const start = sup.starts.filter((s) => s.name === WORKER).at(-1);
    if (!start || start === handled || !sup.isUp(WORKER)) {
      await sleep(50);
      continue;
    }
    handled = start;
    const killAt = start.at + 1000 + 1000 * random();
    await sleep(killAt - Date.now());
    if (Date.now() >= until) break;
    if (sup.kill(WORKER)) {
      kills++;
      lastKillAt = Date.now();
    }
  }
  const starts = sup.starts.filter((s) => s.name === WORKER).length;
  const liveBeforeKill = sup.exits.filter((e) => e.name === WORKER && e.injected && e.wasLive).length;
  log(
    `${kills} kills in ${O.killSeconds} s (${liveBeforeKill} of them after /health/live answered); settling`,
  );

  const settled = await waitSettled(c.db.url, (lastKillAt || Date.now()) + O.killSettleSeconds * 1000, log);
  const settledAt = settled ? Date.now() : 0;
  log(
    settled
      ? 'every sync has ended'
      : `settle timeout: some syncs had not ended ${O.killSettleSeconds} s after the last kill`,
  );

  const times = await retry(() => orchestrationTimes(c.db.url));
  const completedAt = await retry(() => completionTimes(c.db.url));
  const syncs = [];
  for (const u of users) {
    const pushes = (await notifications(u.api)).filter((n) => n.orchestrationId === u.syncId);
    const done = completedAt.get(u.syncId!);
    syncs.push({
      user: u.id,
      status: times.get(u.syncId!)?.status ?? '?',
      afterLastKillSeconds: done && lastKillAt ? round((done - lastKillAt) / 1000, 1) : null,
      pushes: pushes.map((n) => `${n.code}x${n.deliveries.length}`),
    });
  }
  const f = await retry(() => databaseFigures(c.db.url));
  const d = await destinationDuplicates(users.map((u) => u.destination));
  const unexpected = sup.exits.filter((e) => !e.injected);

  printTable(
    'LAST_YEAR syncs',
    syncs.map((s) => ({
      user: s.user,
      status: s.status,
      afterLastKillSeconds: s.afterLastKillSeconds ?? '—',
      pushes: s.pushes.join(' ') || '—',
    })),
  );
  printTable(
    'Chunks (all syncs)',
    f.chunks.byKindAndStatus.map((r) => ({ kind: r.kind, status: r.status, chunks: r.n })),
  );
  printTable('Processes', [
    { kills, workerStarts: starts, liveBeforeKill, unexpectedExits: unexpected.length },
  ]);
  console.log(
    `\n  records: read ${f.records.read}, written ${f.records.written}; at the destinations ${d.records}, duplicates ${d.duplicates} (same external_id twice: ${d.duplicateExternalIds})`,
  );

  const late = syncs.filter(
    (s) =>
      s.status !== 'COMPLETED' ||
      s.afterLastKillSeconds === null ||
      s.afterLastKillSeconds > O.killSettleSeconds,
  );
  const badPush = syncs.filter((s) => s.pushes.length !== 1 || s.pushes[0] !== 'N-05x1');
  const checks = {
    everySyncCompleted: {
      target: `every sync COMPLETED within ${O.killSettleSeconds} s of the last kill`,
      value: `${syncs.length - late.length}/${syncs.length} (last ${Math.max(0, ...syncs.map((s) => s.afterLastKillSeconds ?? Infinity))} s after the last kill)`,
      met: late.length === 0 && kills > 0,
    },
    noDuplicates: {
      target: '0 duplicates at the destinations',
      value: d.duplicates + d.duplicateExternalIds,
      met: d.duplicates === 0 && d.duplicateExternalIds === 0,
    },
    oneN05PerSync: {
      target: 'exactly one N-05 per sync (one delivery per device)',
      value: `${syncs.length - badPush.length}/${syncs.length}`,
      met: badPush.length === 0,
    },
  };
  printTargets('Targets (worker-kills)', checks);
  const file = writeResult('chaos-worker-kills', {
    scenario: 'worker-kills',
    options: O,
    wallSeconds: round((Date.now() - t0) / 1000, 1),
    checks,
    kills,
    workerStarts: starts,
    liveBeforeKill,
    settledAfterLastKillSeconds: settledAt && lastKillAt ? round((settledAt - lastKillAt) / 1000, 1) : null,
    syncs,
    figures: f,
    destinations: d,
    unexpectedExits: unexpected,
  });
  const passed = Object.values(checks).every((check) => check.met);
  console.log(`\n  ${passed ? 'every target met' : 'targets missed'}; results: ${file}`);
  return passed;
}

/** When each orchestration completed (epoch ms), read-only. */
async function completionTimes(dbUrl: string): Promise<Map<string, number>> {
  const rows = await sqlRows<{ id: string; at: Date | null }>(
    dbUrl,
    `SELECT id, coalesce(completed_at, CASE WHEN status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED') THEN updated_at END) AS at FROM orchestrations`,
  );
  return new Map(rows.filter((r) => r.at).map((r) => [r.id, new Date(r.at!).getTime()]));
}
