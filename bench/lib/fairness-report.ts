/** Prints `bench:fairness`'s figures, checks the issue 15 targets and writes bench/results/fairness.json. */
import type { FairnessOptions } from './fairness-options.js';
import type { Metrics } from './fairness-metrics.js';
import { printTable, round, writeResult } from './report.js';

const pct = (x: number) => (Number.isFinite(x) ? `${round(x * 100, 1)} %` : String(x));
const num = (x: number, d = 2) => (Number.isFinite(x) ? String(round(x, d)) : String(x));

export interface RunFacts {
  wallSeconds: number;
  runSeconds: number;
  stravaRequests: number;
  strava429: number;
  google429: number;
  polls: number;
  pollErrors: number;
  failedChunks: number;
  syncStatuses: Record<string, number>;
}

export function reportFairness(o: FairnessOptions, m: Metrics, facts: RunFacts): boolean {
  const w = o.windowMs / 1000;
  printTable(
    `Time from arrival to completion (W = ${w} s, one Strava 15-min window at time scale ${o.timeScale})`,
    Object.entries(m.completion).map(([cls, c]) => ({
      class: cls,
      syncs: c.syncs,
      unfinished: c.unfinished,
      'P50 s': num(c.p50Seconds, 1),
      'P90 s': num(c.p90Seconds, 1),
      'P50 W': num(c.p50W),
      'P90 W': num(c.p90W),
      'max W': num(c.maxW),
    })),
  );
  const f = m.fairness;
  printTable("Jain's index of per-user chunks/period among HISTORICAL syncs active for the whole period", [
    {
      period: `${o.periodWindows} W`,
      periods: f.period.periods,
      mean: num(f.period.mean, 3),
      min: num(f.period.min, 3),
    },
    {
      period: '1 W (information)',
      periods: f.window.periods,
      mean: num(f.window.mean, 3),
      min: num(f.window.min, 3),
    },
  ]);
  console.log(
    `\nIdle HISTORICAL syncs (> 1 W of windows with room, < 95 % used, without progress): ${m.idle.count}` +
      (m.idle.worst.length
        ? `; worst ${m.idle.worst
            .slice(0, 3)
            .map((i) => `${num(i.roomW)} W of room in a ${num(i.gapW)} W gap at ${num(i.atSeconds, 0)} s`)
            .join(', ')}`
        : ''),
  );
  printTable(
    'ETA error |actual − predicted| / actual remaining (estimatedCompletionAt − poll time, polled as the sync reaches the progress; last column: the whole-seconds field)',
    Object.entries(m.eta.checkpoints).map(([c, e]) => ({
      progress: `${c} %`,
      syncs: e.n,
      P50: pct(e.p50),
      P90: pct(e.p90),
      max: pct(e.max),
      'P90 in W': num(e.p90AbsW),
      'P90 estimatedSecondsRemaining': pct(e.p90SecondsField),
    })),
  );
  printTable(
    "ETA error at the round-robin poller's first poll past the progress (information: up to a poll cycle late, some in a sync's last milliseconds)",
    Object.entries(m.etaRoundRobin).map(([c, e]) => ({
      progress: `${c} %`,
      syncs: e.n,
      P50: pct(e.p50),
      P90: pct(e.p90),
      'P90 in W': num(e.p90AbsW),
    })),
  );
  if (m.eta.route.length)
    printTable(
      'Estimate route, asked right before creating a LAST_YEAR sync into the backlog',
      m.eta.route.map((r) => ({
        predicted: `${r.predicted} s`,
        actual: `${num(r.actual, 1)} s`,
        error: pct(r.error),
        warnings: r.warnings.join(' ') || '-',
      })),
    );
  const u = m.utilisation;
  console.log(
    `\nStrava quota utilisation over ${u.windows} full windows while work was queued: mean ${pct(u.mean)}, min ${pct(u.min)}, ` +
      `${u.below95} below 95 % (limit ${o.limits.overall[0]} / 15 min; daily ${o.limits.overall[1]}, reads ${o.limits.read.join(' / ')}, not binding)`,
  );
  console.log(
    `Strava requests ${facts.stravaRequests}, 429s ${facts.strava429} (Google 429s ${facts.google429}); failed chunks ${facts.failedChunks}; ` +
      `status polls ${facts.polls} (${facts.pollErrors} errors); syncs ${JSON.stringify(facts.syncStatuses)}`,
  );
  console.log(
    `Run ${num(facts.runSeconds, 0)} s (${num(facts.runSeconds / w, 1)} W); wall ${num(facts.wallSeconds, 0)} s`,
  );

  const c = m.completion;
  const e = m.eta.checkpoints;
  const unfinished = c.INITIAL_7_DAY.unfinished + c.LAST_YEAR.unfinished + c.ALL_TIME.unfinished;
  const targets = [
    ['INITIAL_7_DAY P90 ≤ 2 W', `${num(c.INITIAL_7_DAY.p90W)} W`, c.INITIAL_7_DAY.p90W <= 2],
    ["Jain's index (per period) mean ≥ 0.95", num(f.period.mean, 3), f.period.mean >= 0.95],
    ['no idle HISTORICAL sync', String(m.idle.count), m.idle.count === 0],
    ['quota utilisation ≥ 95 % in every window', `min ${pct(u.min)}`, u.min >= 0.95],
    ['0 × 429 at Strava', String(facts.strava429), facts.strava429 === 0],
    ...(['10', '50', '90'] as const).map((k) => [
      `ETA error P90 ≤ 25 % at ${k} %`,
      pct(e[k].p90),
      e[k].p90 <= 0.25,
    ]),
    ['estimate route error ≤ 25 %', pct(m.eta.routeMaxError), m.eta.routeMaxError <= 0.25],
    ['every sync ended', `${unfinished} unfinished`, unfinished === 0],
  ] as Array<[string, string, boolean]>;
  printTable(
    'Targets (issue 15)',
    targets.map(([target, measured, met]) => ({ target, measured, '': met ? 'met' : 'MISSED' })),
  );
  const file = writeResult('fairness', {
    options: o,
    windowSeconds: w,
    facts,
    metrics: m,
    targets: targets.map(([target, measured, met]) => ({ target, measured, met })),
  });
  console.log(`\nwrote ${file}`);
  return targets.every(([, , met]) => met);
}
