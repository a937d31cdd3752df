import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signToken } from '../common/auth/token.js';
import { loadConfig } from '../config/app-config.js';
import { seedPreExisting, type SimProvider } from '../simulators/seed-duplicates.js';
import { EXAMPLE_PROVIDERS } from '../modules/providers/provider-descriptors.js';
import { loadDotEnv } from '../config/dotenv.js';
import { setTimeout as wait } from 'node:timers/promises';
import { uploadArchive } from './demo-archive.js';

/**
 * `npm run demo`: a client of the running service (`npm start`) that does what the mobile app
 * does: grants Pro to a demo user (as an admin), walks both OAuth consent redirects, creates the
 * connection, starts a LAST_YEAR sync, shows its progress with an ETA until it ends, then prints the
 * chunk table, the import report's summary and what landed at the destination. Before the sync,
 * 30 % of the last year's workouts are planted at the destination (as if the watch had uploaded
 * them there too), so the report shows them skipped as duplicates. Against the local simulators, it creates the
 * demo's provider accounts first. Tokens are signed with the local JWT secret (.data/jwt-secret).
 */
loadDotEnv(); // the service's PORT and JWT_SECRET, when .env sets them
const { values } = parseArgs({
  options: {
    url: {
      type: 'string',
      default: process.env.SYNCWELL_URL ?? `http://localhost:${process.env.PORT ?? 3000}`,
    },
    source: { type: 'string', default: EXAMPLE_PROVIDERS.source },
    destination: { type: 'string', default: EXAMPLE_PROVIDERS.destination },
    preset: { type: 'string' },
    archive: { type: 'string' },
  },
});
const preset = values.preset ?? (values.archive ? 'ALL_TIME' : 'LAST_YEAR');
const base = values.url!.replace(/\/$/, '');
const config = loadConfig();
const run = Date.now().toString(36);
const user = `demo-${run}`;
const userToken = signToken(config.auth.jwtSecret, { sub: user });
const adminToken = signToken(config.auth.jwtSecret, { sub: 'demo-admin', roles: ['admin'] });
const redirectUri = 'http://localhost/demo/oauth-callback';
const tty = process.stdout.isTTY;

async function api(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${options.token ?? userToken}`,
      ...(options.body ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (res.status >= 400) throw new Error(`${method} ${path} answered ${res.status}: ${body?.detail ?? text}`);
  return { status: res.status, body, headers: res.headers };
}

async function simulatorOf(url: string): Promise<string | undefined> {
  const origin = new URL(url).origin;
  const res = await fetch(`${origin}/_sim/health`).catch(() => undefined);
  return res?.ok ? origin : undefined;
}

/** One side of POST /v1/connections: the code the consent redirect carried, and the server's state. */
interface Consent {
  code: string;
  state: string;
  /** The simulator's base URL. */
  simulator: string;
}

async function consent(provider: string, login: string, account: Record<string, unknown>): Promise<Consent> {
  const { body } = await api(
    'GET',
    `/v1/connections/authorize-url?provider=${provider}&redirectUri=${encodeURIComponent(redirectUri)}&loginHint=${login}`,
  );
  const simulator = await simulatorOf(body.url);
  if (!simulator)
    throw new Error(
      `${provider} is a real provider here: open ${body.url} in a browser, then POST the code to /v1/connections`,
    );
  await fetch(`${simulator}/_sim/accounts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: login, ...account }),
  });
  const redirect = await fetch(body.url, { redirect: 'manual' });
  const location = new URL(redirect.headers.get('location') ?? '');
  if (location.searchParams.get('state') !== body.state) throw new Error('the OAuth state did not come back');
  console.log(
    `  ${provider}: consent given by "${login}" at ${simulator}, redirected to ${location.origin}${location.pathname}`,
  );
  return { code: location.searchParams.get('code')!, state: body.state, simulator };
}

const duration = (s: number | null) =>
  s === null
    ? '—'
    : s >= 3600
      ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
      : s >= 60
        ? `${Math.floor(s / 60)}m${s % 60}s`
        : `${s}s`;

function progressLine(s: {
  status: string;
  progressPercent: number;
  completedChunks: number;
  failedChunks: number;
  totalChunks: number;
  estimatedSecondsRemaining: number | null;
}) {
  const width = 30;
  const filled = Math.round((s.progressPercent / 100) * width);
  return `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${s.progressPercent.toFixed(1).padStart(5)}%  ${s.completedChunks + s.failedChunks}/${s.totalChunks} chunks  ${s.failedChunks ? `${s.failedChunks} failed  ` : ''}ETA ${duration(s.estimatedSecondsRemaining)}  ${s.status}`;
}

async function main() {
  console.log(`SyncWell demo against ${base} (user ${user})`);
  await api('GET', '/health/ready', { token: '' }).catch(() => {
    throw new Error(`the service at ${base} is not ready: start it with "npm start" first`);
  });
  await api('PUT', `/v1/admin/users/${user}/entitlement`, { token: adminToken, body: { tier: 'PRO' } });
  console.log('1. Pro granted (admin API).');

  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const destinationLogin = `${user}-${values.destination}`;
  const source = values.archive ? await archiveSource(values.archive) : await providerSource(timezone);
  const destinationCode = await consent(values.destination!, destinationLogin, {
    seed: destinationLogin,
    historyDays: 0,
    timezone,
  });
  const destinationSim = destinationCode.simulator;
  if (source.seed) await source.seed(destinationSim, destinationLogin);
  const { body: connection } = await api('POST', '/v1/connections', {
    body: {
      source: source.grant,
      destination: {
        provider: values.destination,
        authorizationCode: destinationCode.code,
        redirectUri,
        state: destinationCode.state,
      },
      timezone,
    },
  });
  console.log(
    `3. Connection ${connection.id} created (${timezone}); ${connection.initialSync ? `automatic 7-day sync ${connection.initialSync.orchestrationId}` : 'no automatic 7-day sync (an archive source)'}.`,
  );
  await syncAndReport(connection.id, destinationSim, destinationLogin);
}

/** The source side: an OAuth consent at the source (and 30 % of the last year planted at the destination). */
async function providerSource(timezone: string) {
  console.log('2. OAuth consent for both accounts:');
  const sourceLogin = `${user}-${values.source}`;
  const sourceCode = await consent(values.source!, sourceLogin, {
    seed: 'demo-athlete',
    historyDays: 800,
    timezone,
  });
  return {
    grant: {
      provider: values.source,
      authorizationCode: sourceCode.code,
      redirectUri,
      state: sourceCode.state,
    },
    seed: (destinationSim: string, destinationLogin: string) =>
      plant(sourceCode, destinationSim, destinationLogin),
  };
}

/** The source side: an export archive, uploaded over tus and scanned. */
async function archiveSource(file: string) {
  console.log(`2. Uploading ${file} (tus), then its scan:`);
  const archive = await uploadArchive(base, userToken, file, (line) => console.log(line));
  console.log(
    `  archive ${archive.id}: ${archive.status}, ${archive.format ?? 'unknown format'}, ${archive.sessionsFound} workouts from ${archive.firstDate} to ${archive.lastDate}, ${archive.problems.length} problem(s)`,
  );
  for (const p of archive.problems.slice(0, 5)) console.log(`    ${p.code} ${p.entry ?? ''}: ${p.message}`);
  if (archive.status !== 'READY') throw new Error('the archive could not be read');
  console.log(`  consent at ${values.destination}:`);
  return { grant: { provider: 'archive', archiveId: archive.id }, seed: undefined };
}

async function plant(sourceCode: Consent, destinationSim: string, destinationLogin: string) {
  const sourceLogin = `${user}-${values.source}`;
  // the same workouts recorded twice: 30 % of the last year's already at the destination
  const seeded = await seedPreExisting({
    source: { provider: values.source as SimProvider, url: sourceCode.simulator, account: sourceLogin },
    destination: {
      provider: values.destination as SimProvider,
      url: destinationSim,
      account: destinationLogin,
    },
    from: new Date(Date.now() - 366 * 86_400_000),
    to: new Date(),
  });
  console.log(
    `  ${values.destination} already holds ${seeded.copies.length} of the ${seeded.considered} workouts of the last year (exact, shifted, +1 h, another sport label) and ${seeded.nearMisses.length} near-misses.`,
  );
}

async function syncAndReport(connectionId: string, destinationSim: string, destinationLogin: string) {
  const { body: estimate } = await api(
    'GET',
    `/v1/connections/${connectionId}/historical-syncs/estimate?preset=${preset}`,
  );
  console.log(
    `4. Estimate for ${preset}: ${estimate.startDate} to ${estimate.endDate}, ${estimate.totalChunks} chunks, ~${estimate.estimatedRecords} sessions, ${estimate.estimatedApiCalls.source}+${estimate.estimatedApiCalls.destination} API calls, ~${duration(estimate.estimatedSeconds)}.`,
  );
  for (const w of estimate.warnings) console.log(`   ${w.code}: ${w.message}`);

  const { body: started, headers } = await api('POST', `/v1/connections/${connectionId}/historical-syncs`, {
    body: { range: { preset } },
    headers: { 'Idempotency-Key': randomUUID() },
  });
  console.log(
    `5. Historical sync ${started.orchestrationId} accepted (Location: ${headers.get('location')}). Progress:`,
  );

  let etag = '';
  let last = '';
  let status: Parameters<typeof progressLine>[0] & { status: string } = {
    status: 'PENDING',
    progressPercent: 0,
    completedChunks: 0,
    failedChunks: 0,
    totalChunks: 0,
    estimatedSecondsRemaining: null,
  };
  for (;;) {
    const res = await fetch(`${base}/v1/orchestrations/${started.orchestrationId}/status`, {
      headers: { Authorization: `Bearer ${userToken}`, ...(etag ? { 'If-None-Match': etag } : {}) },
    });
    if (res.status === 200) {
      status = (await res.json()) as typeof status;
      etag = res.headers.get('etag') ?? '';
    }
    const line = progressLine(status);
    if (tty) process.stdout.write(`\r${line}`);
    else if (line !== last) console.log(line);
    last = line;
    if (!['PENDING', 'IN_PROGRESS'].includes(status.status)) break;
    await wait(1000);
  }
  if (tty) process.stdout.write('\n');

  const { body: chunks } = await api('GET', `/v1/orchestrations/${started.orchestrationId}/chunks`);
  console.log('\n6. Chunks:');
  console.log('   #  from        to          status     tries  read  written  skipped  error');
  for (const c of chunks.items) {
    console.log(
      `  ${String(c.index).padStart(2)}  ${c.chunkStartDate}  ${c.chunkEndDate}  ${c.status.padEnd(9)}  ${String(c.attempts).padStart(5)}  ${String(c.recordsRead).padStart(4)}  ${String(c.recordsWritten).padStart(7)}  ${String(c.recordsSkipped).padStart(7)}  ${c.lastError?.code ?? ''}`,
    );
  }
  await printReport(started.orchestrationId);
  {
    type Landed = {
      name?: string;
      displayName?: string;
      start_date?: string;
      sport_type?: string;
      exerciseType?: string;
      interval?: { startTime?: string };
      exercise?: Landed;
    };
    const landed = (await (await fetch(`${destinationSim}/_sim/accounts/${destinationLogin}`)).json()) as {
      activities?: Landed[];
      dataPoints?: Landed[];
    };
    const items = landed.activities ?? landed.dataPoints ?? [];
    console.log(
      `\n8. At the ${values.destination} destination (${destinationSim}/_sim/accounts/${destinationLogin}): ${items.length} records.`,
    );
    for (const item of items.slice(-5)) {
      const a = item.exercise ?? item;
      console.log(
        `   ${(a.start_date ?? a.interval?.startTime ?? '').padEnd(21)} ${(a.sport_type ?? a.exerciseType ?? '').padEnd(30)} ${a.name ?? a.displayName}`,
      );
    }
  }
  console.log(
    `\nDone: ${status.status}. The sync is also listed under GET /v1/orchestrations (token: npm run -s token -- --sub ${user}).`,
  );
}

/** The import report's summary: counts by outcome, and a few records of each kind with their links. */
async function printReport(orchestrationId: string) {
  const { body: o } = await api('GET', `/v1/orchestrations/${orchestrationId}`);
  const r = o.records as { read: number; imported: number; skipped: number; failed: number };
  console.log(
    `\n7. Import report (GET /v1/orchestrations/${orchestrationId}/records): ${r.read} read, ${r.imported} imported, ${r.skipped} skipped, ${r.failed} failed.`,
  );
  type Row = {
    startTime: string | null;
    sportType: string | null;
    sourceRecordId: string;
    reason: { code: string; message: string } | null;
    destination: { url: string } | null;
    duplicateOf: { url: string } | null;
  };
  for (const status of ['SKIPPED_DUPLICATE', 'SKIPPED_INVALID', 'FAILED', 'IMPORTED']) {
    const { body } = await api(
      'GET',
      `/v1/orchestrations/${orchestrationId}/records?status=${status}&limit=100`,
    );
    const items = body.items as Row[];
    if (items.length === 0) continue;
    const reasons = new Map<string, number>();
    for (const item of items)
      if (item.reason) reasons.set(item.reason.code, (reasons.get(item.reason.code) ?? 0) + 1);
    console.log(
      `   ${status}${body.nextCursor ? ' (first 100)' : ''}: ${items.length}${reasons.size ? `  ${[...reasons].map(([c, n]) => `${c} ${n}`).join(', ')}` : ''}`,
    );
    for (const item of items.slice(0, 3))
      console.log(
        `     ${(item.startTime ?? '').padEnd(24)} ${(item.sportType ?? '').padEnd(9)} ${(item.duplicateOf ?? item.destination)?.url ?? ''}  ${item.reason?.message ?? ''}`,
      );
  }
}

main().catch((error: unknown) => {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
