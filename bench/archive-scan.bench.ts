/**
 * The reading stage of the export-archive source (issue 27), on its own: two generated archives
 * each scanned in a child process of its own (bench/lib/archive-scan-child.ts) whose RSS is sampled
 * every 50 ms (160 MB old space, as `npm start` gives the service).
 * - A Garmin-style export: BENCH_FIT_FILES FIT activity files (the Garmin FIT SDK's encoder, a
 *   1 Hz track each) inside a nested `DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip`.
 * - An Apple Health export: an `export.xml` of about BENCH_APPLE_MB MB (BENCH_WORKOUTS workouts among
 *   heart-rate records), streamed into the ZIP as it is generated, with a route file per tenth workout.
 * Prints sessions, MB/s, sessions/s and peak RSS per archive; writes bench/results/archive-scan.json.
 * The full `bench:archive` (upload over tus, scan, import; RSS of API and worker ≤ 256 MiB) comes
 * with the archive source's routes.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportXml, fitFile, gpxRoute, zipTo } from './lib/archive-generate.js';
import { printTable, round, writeResult } from './lib/report.js';

const FIT_FILES = Number(process.env.BENCH_FIT_FILES ?? 3000);
const APPLE_MB = Number(process.env.BENCH_APPLE_MB ?? 300);
const WORKOUTS = Number(process.env.BENCH_WORKOUTS ?? 2000);
/** Scans `file` in a child process (bench/lib/archive-scan-child.ts): its own peak RSS, not the generator's. */
async function measure(label: string, file: string) {
  const child = spawnSync(
    process.execPath,
    [
      '--max-old-space-size=160',
      '--import',
      './scripts/register-ts.js',
      'bench/lib/archive-scan-child.ts',
      file,
    ],
    { cwd: resolve(import.meta.dirname, '..'), encoding: 'utf8', maxBuffer: 2 ** 20 },
  );
  if (child.status !== 0) throw new Error(`scan of ${label} failed: ${child.stderr}`);
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    format: string;
    sessions: number;
    invalid: number;
    problems: number;
    seconds: number;
    baselineRss: number;
    peakRss: number;
  };
  const mb = statSync(file).size / 2 ** 20;
  return {
    archive: label,
    format: r.format,
    archiveMB: round(mb, 1),
    sessions: r.sessions,
    invalid: r.invalid,
    problems: r.problems,
    seconds: round(r.seconds, 1),
    mbPerSecond: round(mb / r.seconds, 1),
    sessionsPerSecond: round(r.sessions / r.seconds, 1),
    rssBeforeMiB: round(r.baselineRss / 2 ** 20, 0),
    peakRssMiB: round(r.peakRss / 2 ** 20, 0),
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'archive-bench-'));
  try {
    console.log(
      `archive scan: ${FIT_FILES} FIT files (nested ZIP), export.xml of ~${APPLE_MB} MB with ${WORKOUTS} workouts`,
    );
    const garmin = join(dir, 'garmin.zip');
    const inner = join(dir, 'part1.zip');
    await zipTo(inner, (zip) => {
      for (let i = 0; i < FIT_FILES; i++)
        zip.addBuffer(fitFile(i), `${1000 + i}_ACTIVITY.fit`, { compress: true });
    });
    await zipTo(garmin, (zip) =>
      zip.addFile(inner, 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip'),
    );
    const apple = join(dir, 'apple.zip');
    await zipTo(apple, (zip) => {
      zip.addReadStream(exportXml(APPLE_MB * 2 ** 20, WORKOUTS), 'apple_health_export/export.xml');
      for (let n = 0; n < WORKOUTS; n += 10)
        zip.addBuffer(Buffer.from(gpxRoute(n)), `apple_health_export/workout-routes/route_${n}.gpx`);
    });
    const rows = [await measure('garmin (nested FIT)', garmin), await measure('apple health', apple)];
    printTable(
      'Scan of generated archives (each in a process of its own, TypeScript loaded on the fly)',
      rows,
    );
    console.log(
      `  results: ${writeResult('archive-scan', { fitFiles: FIT_FILES, appleMB: APPLE_MB, workouts: WORKOUTS, rows })}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
