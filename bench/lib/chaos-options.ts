import { parseArgs } from 'node:util';

/**
 * Options of `npm run bench:chaos`: a flag (`npm run bench:chaos -- --users 8`) or the CHAOS_*
 * environment variable of the same name (CHAOS_USERS=8), else the default.
 */
const SPEC = {
  users: ['CHAOS_USERS', 20, 'mixed: users, each with one connection and one LAST_YEAR sync'],
  'reverse-users': ['CHAOS_REVERSE_USERS', 3, 'of them, Strava -> Fitbit (the others Fitbit -> Strava)'],
  'fault-seconds': ['CHAOS_FAULT_SECONDS', 150, 'length of the fault phase'],
  'settle-seconds': ['CHAOS_SETTLE_SECONDS', 300, 'longest wait, faults off, for every sync to end'],
  'time-scale': ['CHAOS_TIME_SCALE', 0.001, 'provider time scale (quota windows, token lifetimes)'],
  'error-rate': ['CHAOS_ERROR_RATE', 0.1, 'share of provider requests answered 5xx'],
  'kill-interval-ms': ['CHAOS_KILL_INTERVAL_MS', 5000, 'mean time between SIGKILLs of a random worker'],
  'restart-delay-ms': ['CHAOS_RESTART_DELAY_MS', 1500, 'mean delay before the supervisor restarts it'],
  'pg-down-ms': ['CHAOS_PG_DOWN_MS', 5000, 'how long PostgreSQL stays stopped'],
  'expire-interval-ms': ['CHAOS_EXPIRE_INTERVAL_MS', 15_000, 'every so often 5 users’ access tokens expire'],
  'token-lifetime-seconds': ['CHAOS_TOKEN_LIFETIME_SECONDS', 20, 'access-token lifetime during the faults'],
  'storm-seconds': ['CHAOS_STORM_SECONDS', 12, 'length of each 429 storm (one at Strava, one at Google)'],
  'reauthorize-after-ms': [
    'CHAOS_REAUTHORIZE_AFTER_MS',
    20_000,
    'earliest reauthorize after the revocation (once the sync has paused, as the push asks)',
  ],
  'invalid-records': ['CHAOS_INVALID_RECORDS', 3, 'invalid source records planted'],
  'poll-interval-ms': ['CHAOS_POLL_INTERVAL_MS', 250, 'time between two status polls (one sync each)'],
  seed: ['CHAOS_SEED', 13, 'seed of the random choices (which worker, which users)'],
  'bad-users': ['CHAOS_BAD_USERS', 8, 'bad-records: users (fewer, so that `all` fits in ~20 min)'],
  'bad-reverse-users': ['CHAOS_BAD_REVERSE_USERS', 2, 'bad-records: of them, Strava -> Fitbit'],
  'poison-rate': ['CHAOS_POISON_RATE', 0.02, 'bad-records: share of records whose read / write always fails'],
  'bad-seconds': ['CHAOS_BAD_SECONDS', 600, 'bad-records: each sync must end within this of its start'],
  'kill-users': ['CHAOS_KILL_USERS', 6, 'worker-kills: users'],
  'kill-reverse-users': ['CHAOS_KILL_REVERSE_USERS', 1, 'worker-kills: of them, Strava -> Fitbit'],
  'kill-seconds': [
    'CHAOS_KILL_SECONDS',
    60,
    'worker-kills: how long the only worker is killed 1-2 s after each start',
  ],
  'kill-settle-seconds': [
    'CHAOS_KILL_SETTLE_SECONDS',
    120,
    'worker-kills: every sync must be COMPLETED within this of the last kill',
  ],
} as const;

/**
 * The scenarios (`--scenario` / CHAOS_SCENARIO): `mixed` (issue 13: every fault at once),
 * `bad-records` (issue 25: 1 in 50 records fails every time, nothing else), `worker-kills` (the only
 * worker killed 1-2 s after each start for a minute); `all` (the default) runs the three one after
 * another, each on its own fresh cluster and database, in ~15-20 minutes on 2 cores.
 */
export const SCENARIOS = ['mixed', 'bad-records', 'worker-kills'] as const;
export type Scenario = (typeof SCENARIOS)[number];

function scenarios(value: string): Scenario[] {
  if (value === 'all') return [...SCENARIOS];
  const list = value.split(',').map((s) => s.trim());
  for (const s of list)
    if (!(SCENARIOS as readonly string[]).includes(s))
      throw new Error(`--scenario / CHAOS_SCENARIO must be all or one of ${SCENARIOS.join(', ')} (got ${s})`);
  return list as Scenario[];
}

export function options() {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(SPEC).map((k) => [k, { type: 'string' as const }])),
      scenario: { type: 'string' },
      'log-dir': { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('npm run bench:chaos -- [--flag value ...]   (or the CHAOS_* variable)');
    console.log(
      `  --scenario NAME            CHAOS_SCENARIO                        all  all, or ${SCENARIOS.join(' | ')} (comma-separated)`,
    );
    for (const [flag, [env, fallback, text]] of Object.entries(SPEC))
      console.log(`  --${flag.padEnd(24)} ${env.padEnd(30)} ${String(fallback).padStart(7)}  ${text}`);
    console.log(
      '  --log-dir DIR              CHAOS_LOG_DIR                         keep the service logs there',
    );
    console.log(
      '  --keep                     CHAOS_KEEP=1                          keep the temp dir (database, logs)',
    );
    process.exit(0);
  }
  const n = (flag: keyof typeof SPEC) => {
    const [env, fallback] = SPEC[flag];
    const value = Number((values as Record<string, unknown>)[flag] ?? process.env[env] ?? fallback);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--${flag} / ${env} must be a non-negative number`);
    return value;
  };
  const users = Math.max(2, Math.round(n('users')));
  const badUsers = Math.max(1, Math.round(n('bad-users')));
  const killUsers = Math.max(1, Math.round(n('kill-users')));
  return {
    scenarios: scenarios(String(values.scenario ?? process.env.CHAOS_SCENARIO ?? 'all')),
    users,
    reverseUsers: Math.min(users - 1, Math.round(n('reverse-users'))),
    faultSeconds: n('fault-seconds'),
    settleSeconds: n('settle-seconds'),
    timeScale: n('time-scale'),
    errorRate: n('error-rate'),
    killIntervalMs: n('kill-interval-ms'),
    restartDelayMs: n('restart-delay-ms'),
    pgDownMs: n('pg-down-ms'),
    expireIntervalMs: Math.max(1000, n('expire-interval-ms')),
    tokenLifetimeSeconds: n('token-lifetime-seconds'),
    stormSeconds: n('storm-seconds'),
    reauthorizeAfterMs: n('reauthorize-after-ms'),
    invalidRecords: Math.round(n('invalid-records')),
    pollIntervalMs: Math.max(20, n('poll-interval-ms')),
    seed: n('seed'),
    badUsers,
    badReverseUsers: Math.min(badUsers - 1, Math.round(n('bad-reverse-users'))),
    poisonRate: Math.min(1, n('poison-rate')),
    badSeconds: n('bad-seconds'),
    killUsers,
    killReverseUsers: Math.min(killUsers - 1, Math.round(n('kill-reverse-users'))),
    killSeconds: n('kill-seconds'),
    killSettleSeconds: n('kill-settle-seconds'),
    /** A sparse athlete (1-2 sessions a week, ~80 a year) keeps Strava's daily quota within the run. */
    sessionsPerWeek: [1, 2] as [number, number],
    logDir: (values['log-dir'] as string | undefined) ?? process.env.CHAOS_LOG_DIR,
    keep: values.keep === true || process.env.CHAOS_KEEP === '1',
    /** Extra service environment, e.g. CHAOS_SERVICE_ENV='CHUNK_RETRY_DELAY_SECONDS=5,LOG_LEVEL=info'. */
    serviceEnv: Object.fromEntries(
      (process.env.CHAOS_SERVICE_ENV ?? '')
        .split(',')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]),
    ),
  };
}

export type ChaosOptions = ReturnType<typeof options>;

/** A small seeded generator (mulberry32): the same seed makes the same choices. */
export function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
