/**
 * What `bench:fairness` watches while it runs: Strava's requests per quota window (counted where the
 * in-process simulator counts them, so a window's figure is exact), and every active sync's status,
 * polled over HTTP in a round-robin at a bounded rate (not every 10 s per user: 1,000 users would be
 * most of the API's load), and each HISTORICAL sync polled again the moment it reaches 10 / 50 / 90 %
 * progress (the ETA checkpoints the app would see: it polls every 10 s, 0.125 s time-scaled).
 */
import pg from 'pg';
import type { StravaSimulator } from '../../src/simulators/strava/strava-simulator.js';
import { sleep } from './chaos-options.js';
import type { Checkpoint, Tracked } from './fairness-population.js';

export interface WindowCount {
  requests: number;
  reads: number;
  rejected: number;
}

/**
 * Counts every request the Strava simulator's quota sees, by window index (the simulator's own
 * epoch-aligned windows): total, reads, and those it answered 429.
 */
export function countStravaWindows(strava: StravaSimulator, windowMs: number): Map<number, WindowCount> {
  const windows = new Map<number, WindowCount>();
  const quota = strava.quota;
  const take = quota.take.bind(quota);
  quota.take = (clientId, isRead, res) => {
    const ok = take(clientId, isRead, res);
    const index = Math.floor(Date.now() / windowMs);
    const w = windows.get(index) ?? { requests: 0, reads: 0, rejected: 0 };
    w.requests++;
    if (isRead) w.reads++;
    if (!ok) w.rejected++;
    windows.set(index, w);
    return ok;
  };
  return windows;
}

const ACTIVE = ['PENDING', 'IN_PROGRESS', 'PAUSED'];
const CHECKPOINTS = [10, 50, 90];

/**
 * Polls `GET /v1/orchestrations/{id}` of every sync in `syncs` not known to have ended, one after the
 * other at `rps` requests a second (a few in flight), until `running()` turns false. Records each
 * sync's end (its `completedAt`) and the first answer at or after 10 / 50 / 90 % progress.
 */
export class StatusPoller {
  polls = 0;
  errors = 0;
  private cursor = 0;

  constructor(
    private readonly syncs: Tracked[],
    private readonly rps: number,
  ) {}

  active(): Tracked[] {
    return this.syncs.filter((s) => s.endedAt === undefined);
  }

  async run(running: () => boolean): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const gap = 1000 / this.rps;
    let next = Date.now();
    while (running()) {
      const active = this.active();
      if (active.length === 0) {
        await sleep(200);
        next = Date.now();
        continue;
      }
      const s = active[this.cursor++ % active.length];
      const p = this.poll(s, true).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 4) await Promise.race(inFlight);
      next += gap;
      await sleep(next - Date.now());
    }
    await Promise.all(inFlight);
  }

  /** One status poll; `roundRobin`: made by the round-robin (its checkpoints are kept apart too). */
  async poll(s: Tracked, roundRobin = false): Promise<void> {
    const answer = await s.api('GET', `/v1/orchestrations/${s.id}`).catch(() => undefined);
    const at = Date.now();
    this.polls++;
    if (answer?.status !== 200) {
      this.errors++;
      return;
    }
    const o = answer.body;
    s.polls++;
    s.status = o.status;
    if (s.cls !== 'INITIAL_7_DAY' && ACTIVE.includes(o.status)) {
      const checkpoint: Checkpoint = {
        at,
        progress: o.progressPercent,
        remaining: o.estimatedSecondsRemaining,
        completionAt: o.estimatedCompletionAt ?? null,
      };
      for (const c of CHECKPOINTS) {
        if (o.progressPercent < c) continue;
        s.checkpoints[c] ??= checkpoint;
        if (roundRobin) s.roundRobin[c] ??= checkpoint;
      }
    }
    if (!ACTIVE.includes(o.status)) s.endedAt = Date.parse(o.completedAt ?? o.updatedAt);
  }
}

/**
 * Polls a HISTORICAL sync over HTTP as soon as it reaches a checkpoint's progress: reads the active
 * syncs' chunk counters from the database (read only) every `everyMs` and polls each sync that
 * passed a checkpoint it has no poll for yet.
 */
export class CheckpointWatcher {
  private readonly pool: pg.Pool;

  constructor(
    url: string,
    private readonly syncs: Tracked[],
    private readonly poller: StatusPoller,
    private readonly everyMs = 100,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 1 });
    this.pool.on('error', () => undefined);
  }

  async run(running: () => boolean): Promise<void> {
    const polls = new Map<string, Promise<void>>();
    try {
      while (running()) {
        await sleep(this.everyMs);
        const byId = new Map(this.syncs.filter((s) => s.cls !== 'INITIAL_7_DAY').map((s) => [s.id, s]));
        const { rows } = await this.pool
          .query<{ id: string; done: number; total: number }>(
            `SELECT id, completed_chunks + failed_chunks AS done, total_chunks AS total FROM orchestrations
             WHERE kind = 'HISTORICAL' AND status IN ('PENDING', 'IN_PROGRESS')`,
          )
          .catch(() => ({ rows: [] }));
        for (const r of rows) {
          const s = byId.get(r.id);
          const percent = Math.floor((r.done / r.total) * 1000) / 10;
          if (!s || polls.has(s.id) || !CHECKPOINTS.some((c) => percent >= c && !s.checkpoints[c])) continue;
          polls.set(
            s.id,
            this.poller.poll(s).finally(() => polls.delete(s.id)),
          );
        }
      }
      await Promise.all(polls.values());
    } finally {
      await this.pool.end().catch(() => undefined);
    }
  }
}
