import type { ChaosDatabase, Supervisor } from './chaos-cluster.js';
import { sqlRows } from './chaos-cluster.js';
import * as sim from './chaos-faults.js';
import { sleep, type ChaosOptions } from './chaos-options.js';
import { consent, type ApiCall } from './connect.js';

/** When the PostgreSQL restart comes, as a share of the fault phase. */
export const PG_RESTART_AT = 0.35;

export interface Side {
  provider: 'fitbit' | 'strava';
  login: string;
  simulator: string;
}

export interface User {
  id: string;
  api: ApiCall;
  source: Side;
  destination: Side;
  connectionId: string;
  /** The automatic 7-day sync the connection started. */
  initialSyncId?: string;
  syncId?: string;
}

/** What happened during the run, for the report. */
export interface RunRecord {
  kills: number;
  lastKillAt: number;
  faultsOnAt: number;
  faultsOffAt: number;
  settledAt: number;
  pg: { stopAt: number; startedAt: number; readyAt: number; progressAt: number };
  revocation: Record<string, unknown>;
  /** `at`: when the poll was sent; `doneAt`: when its answer came. */
  polls: Array<{ at: number; doneAt: number; status: number; retryAfter: boolean }>;
  events: Array<{ at: number; event: string }>;
}

/** The faults of the chaos run that take time (each a loop or a sequence), and the status poller. */
export class ChaosScenario {
  /** Watches the recovery after the database restart; resolves once both times are known or the run ends. */
  recoveryWatch: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: ChaosOptions,
    private readonly run: RunRecord,
    private readonly db: ChaosDatabase,
    private readonly sup: Supervisor,
    private readonly random: () => number,
    private readonly event: (e: string) => void,
    private readonly elapsed: () => number,
    private readonly running: () => boolean,
  ) {}

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  /** Status polls as the app makes them, round-robin over the syncs, recording every answer. */
  async pollStatuses(users: User[]) {
    while (this.running()) {
      const u = this.pick(users);
      const at = Date.now();
      const res = await u.api('GET', `/v1/orchestrations/${u.syncId}/status`).catch(() => undefined);
      this.run.polls.push({
        at,
        doneAt: Date.now(),
        status: res?.status ?? 0,
        retryAfter: !!res?.headers.get('retry-after'),
      });
      await sleep(this.o.pollIntervalMs);
    }
  }

  async killWorkers(until: number) {
    while (Date.now() < until && this.running()) {
      await sleep(this.o.killIntervalMs * (0.7 + 0.6 * this.random()));
      // no kill while the database is down, nor just before it goes (a worker restarting then would fail its start-up)
      const pgStop = this.run.faultsOnAt + PG_RESTART_AT * this.o.faultSeconds * 1000;
      if (Date.now() >= until || this.db.down || (Date.now() > pgStop - 10_000 && !this.run.pg.startedAt))
        continue;
      const up = this.sup.names('worker').filter((n) => this.sup.isUp(n));
      if (up.length === 0) continue;
      if (this.sup.kill(this.pick(up))) {
        this.run.kills++;
        this.run.lastKillAt = Date.now();
      }
    }
  }

  async expireTokens(users: User[], until: number) {
    while (Date.now() < until && this.running()) {
      await sleep(this.o.expireIntervalMs);
      for (let i = 0; i < Math.min(5, users.length); i++) {
        const u = this.pick(users);
        await sim.expireTokens(u.source.simulator, u.source.login).catch(() => undefined);
        await sim.expireTokens(u.destination.simulator, u.destination.login).catch(() => undefined);
      }
    }
  }

  /**
   * A 429 storm: every API and token request of one provider answers 429 (Retry-After 2 s) for
   * `stormSeconds`, and longer (up to 3x) until it has hit at least 20 API and 3 token requests, so
   * that it meets traffic even while the workers are slow.
   */
  async storm(provider: string, base: string, level: sim.FaultLevel) {
    const count429 = async () => {
      const counts = await sim.requestCounts(base);
      let api = 0;
      let token = 0;
      for (const [endpoint, byStatus] of Object.entries(counts)) {
        if (endpoint === 'oauth.token') token += byStatus['429'] ?? 0;
        else api += byStatus['429'] ?? 0;
      }
      return { api, token };
    };
    const before = await count429();
    const started = Date.now();
    await sim.setFaults(base, level, 2);
    await sleep(this.o.stormSeconds * 1000);
    let hit = await count429();
    while (
      this.running() &&
      Date.now() - started < 3 * this.o.stormSeconds * 1000 &&
      (hit.api - before.api < 20 || hit.token - before.token < 3)
    ) {
      await sleep(1000);
      hit = await count429();
    }
    await sim.setFaults(base, level);
    this.event(
      `429 storm at ${provider} for ${Math.round((Date.now() - started) / 1000)} s: ${hit.api - before.api} API and ${hit.token - before.token} token requests answered 429`,
    );
  }

  async restartDatabase(apiUrl: string) {
    this.event('PostgreSQL: stop');
    this.run.pg.stopAt = Date.now();
    await this.db.stop();
    await sleep(this.o.pgDownMs);
    await this.db.start();
    this.run.pg.startedAt = Date.now();
    this.event('PostgreSQL: started again');
    this.recoveryWatch = this.watchRecovery(apiUrl);
  }

  /** After the restart: when /health/ready answers 200 again, and when a chunk completes again. */
  async watchRecovery(apiUrl: string) {
    const since = new Date(this.run.pg.startedAt).toISOString();
    while (this.running() && (!this.run.pg.readyAt || !this.run.pg.progressAt)) {
      if (!this.run.pg.readyAt) {
        const ok = await fetch(`${apiUrl}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) {
          this.run.pg.readyAt = Date.now();
          this.event(`API ready ${this.run.pg.readyAt - this.run.pg.startedAt} ms after PostgreSQL started`);
        }
      }
      if (!this.run.pg.progressAt) {
        const rows = await sqlRows<{ n: number }>(
          this.db.url,
          `SELECT count(*)::int AS n FROM chunks WHERE status = 'COMPLETED' AND coalesce(finished_at, updated_at) > $1`,
          [since],
        ).catch(() => [{ n: 0 }]);
        if (rows[0].n > 0) {
          this.run.pg.progressAt = Date.now();
          this.event(
            `a chunk completed ${this.run.pg.progressAt - this.run.pg.startedAt} ms after PostgreSQL started`,
          );
        }
      }
      await sleep(200);
    }
  }

  /** Revokes the user's source grant at the provider, watches the connection and sync, then reauthorizes. */
  async revokeAndReauthorize(u: User) {
    const r = this.run.revocation;
    Object.assign(r, { user: u.id, provider: u.source.provider, revokedAt: this.elapsed() });
    this.event(`revoke ${u.source.provider} grant of ${u.id}`);
    await sim.revoke(u.source.simulator, u.source.login);
    // as a user would: reconnect once the push asking for it came (the sync paused: the service
    // notices a revoked grant the next time it uses it, which a sync waiting out a storm or an
    // outage may not do for a while), and not before reauthorizeAfterMs; at the latest after 5 min
    const earliest = Date.now() + this.o.reauthorizeAfterMs;
    const latest = Date.now() + Math.max(300_000, this.o.reauthorizeAfterMs);
    while (Date.now() < latest && this.running() && !(r.pausedAfterMs && Date.now() >= earliest)) {
      const connection = await u.api('GET', `/v1/connections/${u.connectionId}`).catch(() => undefined);
      const sync = await u.api('GET', `/v1/orchestrations/${u.syncId}`).catch(() => undefined);
      Object.assign(r, {
        connectionStatus: connection?.body?.status,
        syncStatus: sync?.body?.status,
        pauseReason: sync?.body?.pauseReason ?? null,
      });
      if (
        !r.pausedAfterMs &&
        r.connectionStatus === 'REAUTH_REQUIRED' &&
        r.syncStatus === 'PAUSED' &&
        r.pauseReason === 'REAUTH_REQUIRED'
      )
        r.pausedAfterMs = Math.round((this.elapsed() - (r.revokedAt as number)) * 1000);
      await sleep(1000);
    }
    // as a user would: consent again (the consent page may itself answer 5xx/429 now), send the code
    for (let attempt = 1; attempt <= 10 && this.running(); attempt++) {
      try {
        const side = await consent(u.api, u.source.provider, u.source.login);
        const res = await u.api('POST', `/v1/connections/${u.connectionId}/reauthorize`, side);
        Object.assign(r, { reauthorizeStatus: res.status, reauthorizeAttempts: attempt });
        if (res.status !== 200) r.reauthorizeAnswer = res.body;
        if (res.status < 500) break;
      } catch (error) {
        Object.assign(r, {
          reauthorizeStatus: 0,
          reauthorizeAttempts: attempt,
          reauthorizeError: String(error),
        });
      }
      await sleep(2000);
    }
    this.event(
      `reauthorize ${u.id}: HTTP ${r.reauthorizeStatus} (connection was ${r.connectionStatus}, sync ${r.syncStatus})`,
    );
  }
}
