import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readFit } from '../../src/common/formats/fit.js';
import type { CanonicalSession } from '../../src/modules/providers/canonical/canonical-session.js';
import { validateSession } from '../../src/modules/providers/canonical/validate-session.js';
import { fromGooglePoint, hasGps, toGooglePoint } from '../../src/modules/providers/fitbit/fitbit.mapper.js';
import { recordKey } from '../../src/modules/providers/ledger/sync-ledger.repository.js';
import {
  fromStravaActivity,
  hasTrack,
  toFitUpload,
  toManualActivity,
  uploadFields,
} from '../../src/modules/providers/strava/strava.mapper.js';

/**
 * Golden files (PRD R-73): recorded provider responses -> canonical JSON -> destination payloads,
 * compared byte for byte with the committed expectations. `UPDATE_GOLDEN=1 npm test -- golden`
 * rewrites them after an intended change (review the diff).
 */
const DIR = resolve(import.meta.dirname, '../fixtures/golden');
const input = (file: string) => readFileSync(join(DIR, 'input', file), 'utf8');

function expectGolden(file: string, actual: string | Uint8Array): void {
  const path = join(DIR, 'expected', file);
  const bytes = typeof actual === 'string' ? Buffer.from(actual) : Buffer.from(actual);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, bytes);
  if (!existsSync(path))
    throw new Error(`missing golden file ${file}: run UPDATE_GOLDEN=1 npm test -- golden`);
  const expected = readFileSync(path);
  if (typeof actual === 'string') expect(bytes.toString()).toBe(expected.toString());
  else expect(bytes.equals(expected)).toBe(true);
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const sessionsOf = (
  records: Array<{ id: string } & Partial<{ session: CanonicalSession; invalid: string }>>,
) =>
  records.map((r) => {
    if (!r.session) throw new Error(`record ${r.id} is invalid: ${r.invalid}`);
    return r.session;
  });

describe('golden files: provider responses -> canonical -> destination payloads', () => {
  const googlePage = JSON.parse(input('google-list-page.json'));
  const googleSessions = sessionsOf(
    googlePage.dataPoints.map((p: any) =>
      fromGooglePoint(p, hasGps(p) ? input('google-run-export.tcx') : undefined),
    ),
  );
  const stravaActivities = JSON.parse(input('strava-activities.json'));
  const stravaSessions = sessionsOf(
    stravaActivities.map((a: any) =>
      fromStravaActivity(a, hasTrack(a) ? JSON.parse(input('strava-ride-streams.json')) : undefined),
    ),
  );
  const destination = { provider: 'strava' as const, externalUserId: '424242' };

  it('maps Google Health exercises (with the TCX track) to canonical sessions', () => {
    expect(googleSessions.map(validateSession)).toEqual([[], []]);
    expectGolden('google-canonical.json', json(googleSessions));
  });

  it('maps Strava activities (with streams) to canonical sessions', () => {
    expect(stravaSessions.map(validateSession)).toEqual([[], []]);
    expectGolden('strava-canonical.json', json(stravaSessions));
  });

  it('builds the Strava upload (FIT bytes and form fields) for a session with a track', () => {
    const run = googleSessions.find((s) => s.track)!;
    const key = recordKey(destination, run.source);
    const fit = toFitUpload(run);
    expectGolden('strava-upload.fit', fit);
    expectGolden('strava-upload-fields.json', json(uploadFields(run, key, 'Fitbit')));
    const { session, records } = readFit(fit);
    expectGolden('strava-upload-fit-decoded.json', json({ session, records }));
  });

  it('builds the Strava manual activity for a session without a track', () => {
    const indoor = googleSessions.find((s) => !s.track)!;
    expectGolden(
      'strava-manual-activity.json',
      json(toManualActivity(indoor, recordKey(destination, indoor.source), 'Fitbit')),
    );
  });

  it('builds the Google Health dataPoints.create bodies for Strava sessions', () => {
    const google = { provider: 'fitbit' as const, externalUserId: '1a2b3c4d5e6f7a8b' };
    expectGolden(
      'google-create-bodies.json',
      json(stravaSessions.map((s) => toGooglePoint(s, recordKey(google, s.source)))),
    );
  });
});
