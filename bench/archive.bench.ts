/**
 * `npm run bench:archive` (issue 27): export archives end to end, on the build, with the API and the
 * worker in processes of their own (ROLE=api, ROLE=worker, 160 MB old space each, as `npm start`),
 * sharing DATA_DIR/archives, against the in-process simulators (time-scaled by BENCH_SCALE):
 * - a Garmin-style export of at least 1 GB: BENCH_FIT_FILES FIT activities (a 30-minute 1 Hz track
 *   each) in a nested `UploadedFiles_0-_Part1.zip`, plus BENCH_MEDIA_MB of incompressible photos;
 * - an Apple Health export: an export.xml of BENCH_APPLE_MB MB with BENCH_WORKOUTS workouts among
 *   heart-rate records, a GPX route per tenth workout.
 * Each is uploaded with tus-js-client (BENCH_TUS_CHUNK_MB PATCHes), scanned by the worker, connected
 * to a Google Health (Fitbit) account and imported with ALL_TIME. The API's and the worker's RSS are
 * sampled every 100 ms (and their VmHWM read at the end): both must stay ≤ 256 MiB. Prints MB/s of
 * upload and scan, sessions indexed and imported per second; writes bench/results/archive.json.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { signToken } from '../src/common/auth/token.js';
import { startSimulators } from '../src/simulators/simulators.js';
import { BENCH_JWT_SECRET, benchEnv } from './lib/app.js';
import { exportXml, fitFile, gpxRoute, media, zipTo } from './lib/archive-generate.js';
import { freshDatabase, stopEmbedded } from './lib/database.js';
import { peakRss, rss } from './lib/proc.js';
import { printTable, round, writeResult } from './lib/report.js';
import { spawnService, type ServiceProcess } from './lib/service.js';

const FIT_FILES = Number(process.env.BENCH_FIT_FILES ?? 3000);
const MEDIA_MB = Number(process.env.BENCH_MEDIA_MB ?? 1000);
const APPLE_MB = Number(process.env.BENCH_APPLE_MB ?? 400);
const WORKOUTS = Number(process.env.BENCH_WORKOUTS ?? 2000);
const SCALE = Number(process.env.BENCH_SCALE ?? 0.001);
const TUS_CHUNK = Number(process.env.BENCH_TUS_CHUNK_MB ?? 64) * 2 ** 20;
const LIMIT_MIB = 256;
const REDIRECT = 'http://localhost/bench/oauth-callback';

async function generate(dir: string) {
  const garmin = join(dir, 'garmin-export.zip');
  const inner = join(dir, 'part1.zip');
  await zipTo(inner, (zip) => {
    for (let i = 0; i < FIT_FILES; i++)
      zip.addBuffer(fitFile(i), `${1000 + i}_ACTIVITY.fit`, { compress: true });
  });
  await zipTo(garmin, (zip) => {
    zip.addFile(inner, 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip');
    // photos: stored, as JPEGs do not compress
    for (let n = 0; n * 50 < MEDIA_MB; n++)
      zip.addReadStream(media(Math.min(50, MEDIA_MB - n * 50)), `DI_CONNECT/DI-Connect-Media/IMG_${n}.jpg`, {
        compress: false,
      });
  });
  rmSync(inner);
  const apple = join(dir, 'apple-health-export.zip');
  await zipTo(apple, (zip) => {
    zip.addReadStream(exportXml(APPLE_MB * 2 ** 20, WORKOUTS), 'apple_health_export/export.xml');
    for (let n = 0; n < WORKOUTS; n += 10)
      zip.addBuffer(Buffer.from(gpxRoute(n)), `apple_health_export/workout-routes/route_${n}.gpx`);
  });
  return { garmin, apple };
}

async function main(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'archive-e2e-bench-'));
  const db = await freshDatabase('archive');
  const sims = await startSimulators({ googlePort: 0, stravaPort: 0, settings: { timeScale: SCALE } });
  const processes: ServiceProcess[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    console.log(
      `bench:archive: ${FIT_FILES} FIT files + ${MEDIA_MB} MB of photos; export.xml of ${APPLE_MB} MB with ${WORKOUTS} workouts; scale ${SCALE}`,
    );
    const files = await generate(dir);
    const env = benchEnv(db.url, {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATA_DIR: join(dir, 'data'),
      GOOGLE_SIM_PORT: new URL(sims.google.url).port,
      STRAVA_SIM_PORT: new URL(sims.strava.url).port,
      SIM_TIME_SCALE: String(SCALE),
      PROVIDER_TIME_SCALE: String(SCALE),
    });
    const [apiPort, workerPort] = [
      3400 + Math.floor(Math.random() * 200),
      3700 + Math.floor(Math.random() * 200),
    ];
    const api = await spawnService({ ...env, ROLE: 'api' }, apiPort, 'dist/src/main.js');
    processes.push(api);
    const worker = await spawnService({ ...env, ROLE: 'worker' }, workerPort, 'dist/src/main.js');
    processes.push(worker);
    const idle = { api: rss(api.pid), worker: rss(worker.pid) };
    const peak = { api: 0, worker: 0 };
    let phase = 'idle';
    const byPhase: Record<string, { api: number; worker: number }> = {};
    sampler = setInterval(() => {
      peak.api = Math.max(peak.api, rss(api.pid));
      peak.worker = Math.max(peak.worker, rss(worker.pid));
      const p = (byPhase[phase] ??= { api: 0, worker: 0 });
      p.api = Math.max(p.api, Math.round(rss(api.pid) / 2 ** 20));
      p.worker = Math.max(p.worker, Math.round(rss(worker.pid) / 2 ** 20));
    }, 100);

    const user = 'bench-archive';
    const token = signToken(BENCH_JWT_SECRET, { sub: user });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = res.status === 204 ? undefined : await res.json();
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const admin = signToken(BENCH_JWT_SECRET, { sub: 'bench-admin', roles: ['admin'] });
    await fetch(`${api.url}/v1/admin/users/${user}/entitlement`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tier: 'PRO' }),
    });

    const rows: Array<Record<string, string | number>> = [];
    for (const [label, file] of [
      ['Garmin (FIT + photos)', files.garmin],
      ['Apple Health', files.apple],
    ] as const) {
      const size = statSync(file).size;
      const t0 = Date.now();
      phase = `${label}: upload`;
      const location = await new Promise<string>((resolve, reject) => {
        const upload: tus.Upload = new tus.Upload(createReadStream(file), {
          endpoint: `${api.url}/v1/archives/uploads`,
          headers: { Authorization: `Bearer ${token}` },
          metadata: { filename: file.split('/').pop()! },
          uploadSize: size,
          chunkSize: TUS_CHUNK,
          retryDelays: [0, 1000, 3000],
          onSuccess: () => resolve(upload.url!),
          onError: reject,
        });
        upload.start();
      });
      const uploaded = Date.now();
      phase = `${label}: scan`;
      const id = location.split('/').pop()!;
      let archive: Record<string, any>;
      for (;;) {
        archive = await call('GET', `/v1/archives/${id}`);
        if (archive.status === 'READY' || archive.status === 'FAILED') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const scanned = Date.now();
      if (archive.status !== 'READY') throw new Error(`${label}: ${JSON.stringify(archive.problems)}`);
      const login = `${user}-${id.slice(0, 8)}`;
      const { url, state } = await call(
        'GET',
        `/v1/connections/authorize-url?provider=fitbit&redirectUri=${encodeURIComponent(REDIRECT)}&loginHint=${login}`,
      );
      await fetch(`${sims.google.url}/_sim/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: login, historyDays: 0, timezone: 'UTC' }),
      });
      const redirect = await fetch(url, { redirect: 'manual' });
      const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
      const connection = await call('POST', '/v1/connections', {
        source: { provider: 'archive', archiveId: id },
        destination: { provider: 'fitbit', authorizationCode: code, state, redirectUri: REDIRECT },
        timezone: 'UTC',
      });
      const started = Date.now();
      phase = `${label}: import`;
      const res = await fetch(`${api.url}/v1/connections/${connection.id}/historical-syncs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': `bench-${id}`,
        },
        body: JSON.stringify({ range: { preset: 'ALL_TIME' } }),
      });
      const { orchestrationId } = (await res.json()) as { orchestrationId: string };
      let o: Record<string, any>;
      for (;;) {
        o = await call('GET', `/v1/orchestrations/${orchestrationId}`);
        if (!['PENDING', 'IN_PROGRESS'].includes(o.status)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const imported = Date.now();
      const mb = size / 2 ** 20;
      rows.push({
        archive: label,
        MB: round(mb, 0),
        sessions: archive.sessionsFound,
        'upload s': round((uploaded - t0) / 1000, 1),
        'upload MB/s': round(mb / ((uploaded - t0) / 1000), 0),
        'scan s': round((scanned - uploaded) / 1000, 1),
        'scan MB/s': round(mb / ((scanned - uploaded) / 1000), 1),
        'indexed/s': round(archive.sessionsFound / ((scanned - uploaded) / 1000), 0),
        'import s': round((imported - started) / 1000, 1),
        'imported/s': round(o.records.imported / ((imported - started) / 1000), 1),
        status: o.status,
        imported: o.records.imported,
      });
      console.log(`  ${label}: ${JSON.stringify(rows.at(-1))}`);
    }
    clearInterval(sampler);
    const peaks = {
      apiIdleMiB: round(idle.api / 2 ** 20, 0),
      workerIdleMiB: round(idle.worker / 2 ** 20, 0),
      apiMiB: round(Math.max(peak.api, peakRss(api.pid)) / 2 ** 20, 0),
      workerMiB: round(Math.max(peak.worker, peakRss(worker.pid)) / 2 ** 20, 0),
    };
    printTable('Export archives end to end (API and worker in processes of their own)', rows);
    console.log(
      `  RSS idle -> peak: API ${peaks.apiIdleMiB} -> ${peaks.apiMiB} MiB, worker ${peaks.workerIdleMiB} -> ${peaks.workerMiB} MiB (limit ${LIMIT_MIB} MiB each); by phase: ${JSON.stringify(byPhase)}`,
    );
    const ok =
      peaks.apiMiB <= LIMIT_MIB &&
      peaks.workerMiB <= LIMIT_MIB &&
      rows.every((r) => r.status === 'COMPLETED' && r.imported === r.sessions);
    console.log(
      `  results: ${writeResult('archive', { byPhase, fitFiles: FIT_FILES, mediaMB: MEDIA_MB, appleMB: APPLE_MB, workouts: WORKOUTS, scale: SCALE, rows, peaks, ok })}`,
    );
    console.log(ok ? 'every target met' : 'TARGET MISSED');
    return ok;
  } finally {
    if (sampler) clearInterval(sampler);
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
    await sims.close();
    await db.drop().catch(() => undefined);
    await stopEmbedded();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exit((await main()) ? 0 : 1);
