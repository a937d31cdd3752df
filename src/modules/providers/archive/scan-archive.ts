import { appleWorkoutSession, readAppleHealthWorkouts, type AppleWorkout } from './apple-health.js';
import { contentId, isActivityFile, readActivityFile, type FileSession } from './activity-file.js';
import {
  readExerciseJson,
  readUserExercisesCsv,
  takeoutSession,
  takeoutTiming,
  type TakeoutExercise,
  type UserExerciseRow,
} from './fitbit-takeout.js';
import { readStravaActivitiesCsv, stravaExportSession, type StravaExportRow } from './strava-export.js';
import { ArchiveProblem, DEFAULT_ARCHIVE_LIMITS, walkZip, type ArchiveLimits } from './zip-walk.js';

/** What an archive is, told from its content (the contract's `format`). */
export type ArchiveFormat = 'ACTIVITY_FILES' | 'STRAVA_EXPORT' | 'APPLE_HEALTH' | 'FITBIT_TAKEOUT';

/**
 * One workout of an archive: its stable id (from content, so the same workout in a re-uploaded
 * archive is the same record), the entry it came from, and its session or why it is not one.
 */
export type ScannedRecord = { id: string; entry: string } & ({ session: FileSession } | { invalid: string });

export interface ScanProblem {
  entry: string | null;
  code: string;
  message: string;
}

const STRAVA_CSV = /(^|\/)activities\.csv$/i;
const APPLE_XML = /(^|\/)export\.xml$/i;
const APPLE_ROUTE = /(^|\/)workout-routes\/[^/]+\.gpx$/i;
const TAKEOUT_EXERCISE = /(^|\/)Global Export Data\/exercise-[^/]*\.json$/i;
const TAKEOUT_USER_EXERCISES = /(^|\/)UserExercises_[^/]*\.csv$/i;
const TAKEOUT_TCX = /(^|\/)Activities\/(\d+)\.tcx$/i;

/**
 * Scans an export archive once: tells its format from its entries, then hands every workout to
 * `onRecord` (in archive order, one at a time; a route or an activity file is held only while its
 * record is made). Problems of single entries are returned (and the entry's record is `invalid`
 * where there is one); an archive that cannot be read safely, or holds nothing we know, throws
 * ArchiveProblem.
 */
export async function scanArchive(
  path: string,
  onRecord: (record: ScannedRecord) => Promise<void>,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<{ format: ArchiveFormat; problems: ScanProblem[] }> {
  const entries: string[] = [];
  await walkZip(path, async (entry) => void entries.push(entry.path), limits);
  const problems: ScanProblem[] = [];
  const csv = entries.find((e) => STRAVA_CSV.test(e));
  const xml = entries.find((e) => APPLE_XML.test(e) && !/export_cda/i.test(e));
  if (csv) {
    await scanStravaExport(path, csv, onRecord, problems, limits);
    return { format: 'STRAVA_EXPORT', problems };
  }
  if (xml) {
    await scanAppleHealth(path, xml, onRecord, problems, limits);
    return { format: 'APPLE_HEALTH', problems };
  }
  if (entries.some((e) => TAKEOUT_EXERCISE.test(e))) {
    await scanFitbitTakeout(path, onRecord, problems, limits);
    return { format: 'FITBIT_TAKEOUT', problems };
  }
  if (entries.some(isActivityFile)) {
    await walkZip(
      path,
      async (entry) => {
        if (!isActivityFile(entry.path)) return;
        const bytes = await readOrProblem(entry, problems);
        const read = bytes && readActivityFile(entry.path, bytes);
        // a FIT file of another kind (a watch's monitoring file) is no workout
        if (bytes && read) await onRecord(recordOf(entry.path, contentId(bytes), read));
      },
      limits,
    );
    return { format: 'ACTIVITY_FILES', problems };
  }
  throw new ArchiveProblem(
    'UNKNOWN_FORMAT',
    null,
    'no activity files (.fit, .gpx, .tcx), Strava activities.csv, Apple Health export.xml or Fitbit exercise-*.json (Google Takeout) in the archive',
  );
}

async function scanStravaExport(
  path: string,
  csvPath: string,
  onRecord: (record: ScannedRecord) => Promise<void>,
  problems: ScanProblem[],
  limits: ArchiveLimits,
): Promise<void> {
  const root = csvPath.replace(STRAVA_CSV, '$1');
  let rows: StravaExportRow[] = [];
  await walkZip(
    path,
    async (entry) => {
      if (entry.path !== csvPath) return;
      const parsed = readStravaActivitiesCsv((await entry.read()).toString('utf8'));
      rows = parsed.rows;
      for (const p of parsed.problems)
        problems.push({ entry: `${csvPath}:${p.line}`, code: 'INVALID_ROW', message: p.message });
    },
    limits,
  );
  const byFile = new Map(rows.filter((r) => r.filename).map((r) => [`${root}${r.filename}`, r]));
  const done = new Set<StravaExportRow>();
  await walkZip(
    path,
    async (entry) => {
      if (!isActivityFile(entry.path)) return;
      const row = byFile.get(entry.path);
      const bytes = await readOrProblem(entry, problems);
      if (!bytes) return;
      const read = readActivityFile(entry.path, bytes);
      if (!read && !row) return; // not a workout, and no activity of the CSV
      if (row) done.add(row);
      // an unreadable file of a listed activity: the CSV still says what it was
      const session = read && 'session' in read ? read.session : undefined;
      if (row) {
        if (read && 'invalid' in read)
          problems.push({ entry: entry.path, code: 'INVALID_FILE', message: read.invalid });
        await onRecord({
          id: contentId(bytes),
          entry: entry.path,
          session: stravaExportSession(row, session),
        });
      } else if (read) await onRecord(recordOf(entry.path, contentId(bytes), read));
    },
    limits,
  );
  for (const row of rows.filter((r) => !done.has(r)))
    await onRecord({
      id: contentId(Buffer.from(`strava-export:${row.activityId}`)),
      entry: `${csvPath}#${row.activityId}`,
      session: stravaExportSession(row),
    });
}

async function scanAppleHealth(
  path: string,
  xmlPath: string,
  onRecord: (record: ScannedRecord) => Promise<void>,
  problems: ScanProblem[],
  limits: ArchiveLimits,
): Promise<void> {
  let workouts: AppleWorkout[] = [];
  await walkZip(
    path,
    async (entry) => {
      if (entry.path !== xmlPath) return;
      const read = await readAppleHealthWorkouts(await entry.open());
      workouts = read.workouts;
      for (const p of read.problems)
        problems.push({ entry: xmlPath, code: 'INVALID_WORKOUT', message: p.message });
    },
    limits,
  );
  const id = (w: AppleWorkout) =>
    contentId(Buffer.from(`apple-health:${w.type}:${w.start}:${w.end}:${w.sourceName ?? ''}`));
  const byRoute = new Map<string, AppleWorkout[]>();
  for (const w of workouts)
    if (w.routeFile) byRoute.set(w.routeFile, [...(byRoute.get(w.routeFile) ?? []), w]);
  const done = new Set<AppleWorkout>();
  await walkZip(
    path,
    async (entry) => {
      const owners = APPLE_ROUTE.test(entry.path) ? byRoute.get(entry.path.split('/').pop()!) : undefined;
      if (!owners) return;
      const bytes = await readOrProblem(entry, problems);
      const read = bytes ? readActivityFile(entry.path, bytes) : undefined;
      if (read && 'invalid' in read)
        problems.push({ entry: entry.path, code: 'INVALID_FILE', message: read.invalid });
      for (const w of owners) {
        done.add(w);
        await onRecord({
          id: id(w),
          entry: entry.path,
          session: appleWorkoutSession(w, read && 'session' in read ? read.session : undefined),
        });
      }
    },
    limits,
  );
  for (const w of workouts.filter((x) => !done.has(x)))
    await onRecord({ id: id(w), entry: xmlPath, session: appleWorkoutSession(w) });
}

async function scanFitbitTakeout(
  path: string,
  onRecord: (record: ScannedRecord) => Promise<void>,
  problems: ScanProblem[],
  limits: ArchiveLimits,
): Promise<void> {
  const exercises = new Map<string, TakeoutExercise & { entry: string }>();
  const rows: UserExerciseRow[] = [];
  await walkZip(
    path,
    async (entry) => {
      const exercise = TAKEOUT_EXERCISE.test(entry.path);
      if (!exercise && !TAKEOUT_USER_EXERCISES.test(entry.path)) return;
      const bytes = await readOrProblem(entry, problems);
      if (!bytes) return;
      if (!exercise) return void rows.push(...readUserExercisesCsv(bytes.toString('utf8')));
      const read = readExerciseJson(bytes.toString('utf8'));
      for (const e of read.exercises) exercises.set(e.logId, { ...e, entry: entry.path });
      for (const message of read.problems) problems.push({ entry: entry.path, code: 'INVALID_ROW', message });
    },
    limits,
  );
  const timing = takeoutTiming([...exercises.values()], rows);
  const id = (logId: string) => contentId(Buffer.from(`fitbit-takeout:${logId}`));
  const done = new Set<string>();
  await walkZip(
    path,
    async (entry) => {
      const logId = TAKEOUT_TCX.exec(entry.path)?.[2];
      const e = logId ? exercises.get(logId) : undefined;
      if (!e || done.has(e.logId)) return;
      const bytes = await readOrProblem(entry, problems);
      const read = bytes ? readActivityFile(entry.path, bytes) : undefined;
      if (read && 'invalid' in read)
        problems.push({ entry: entry.path, code: 'INVALID_FILE', message: read.invalid });
      done.add(e.logId);
      const tcx = read && 'session' in read ? read.session : undefined;
      await onRecord({ id: id(e.logId), entry: entry.path, session: takeoutSession(e, timing(e), tcx) });
    },
    limits,
  );
  for (const e of exercises.values())
    if (!done.has(e.logId))
      await onRecord({ id: id(e.logId), entry: e.entry, session: takeoutSession(e, timing(e)) });
}

function recordOf(
  entry: string,
  id: string,
  read: { session: FileSession } | { invalid: string },
): ScannedRecord {
  return 'session' in read ? { id, entry, session: read.session } : { id, entry, invalid: read.invalid };
}

/** An entry's bytes, or a problem when it cannot be read (damaged data: that entry only). */
async function readOrProblem(entry: { path: string; read(): Promise<Buffer> }, problems: ScanProblem[]) {
  try {
    return await entry.read();
  } catch (error) {
    if (!(error instanceof ArchiveProblem)) throw error;
    problems.push({ entry: entry.path, code: 'UNREADABLE_ENTRY', message: error.message });
    return undefined;
  }
}
