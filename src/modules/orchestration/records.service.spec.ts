import { ProblemException } from '../../common/errors/problem.exception.js';
import type { SyncRecordRow } from '../import-report/sync-records.repository.js';
import { decodeRecordCursor, encodeRecordCursor, toRecordDto } from './records.service.js';

const row = (over: Partial<SyncRecordRow> = {}): SyncRecordRow => ({
  orchestration_id: 'o',
  source_record_id: '42',
  chunk_id: '00000000-0000-4000-8000-000000000001',
  sort_time: new Date('2026-05-10T07:00:00.123Z'),
  start_time: new Date('2026-05-10T07:00:00.123Z'),
  sport_type: 'RUN',
  status: 'IMPORTED',
  reason_code: null,
  reason_message: null,
  destination_id: '987',
  duplicate_of_id: null,
  fault_count: 0,
  fault_since: null,
  created_at: new Date(),
  updated_at: new Date(),
  ...over,
});

describe('import report cursors', () => {
  it('round-trip the last row position at millisecond precision', () => {
    const cursor = encodeRecordCursor(row());
    expect(decodeRecordCursor(cursor)).toEqual({
      sortTime: new Date('2026-05-10T07:00:00.123Z'),
      sourceRecordId: '42',
    });
    expect(decodeRecordCursor(undefined)).toBeUndefined();
  });

  it.each([
    'nope',
    Buffer.from('["r1","not a date","x"]').toString('base64url'),
    Buffer.from('[1,2]').toString('base64url'),
  ])('refuses a cursor the API did not issue (%s) with a 422', (cursor) => {
    expect(() => decodeRecordCursor(cursor)).toThrow(ProblemException);
  });
});

describe('toRecordDto', () => {
  it('links an imported record to its destination page', () => {
    expect(toRecordDto(row(), 'strava')).toMatchObject({
      status: 'IMPORTED',
      destination: { recordId: '987', url: 'https://www.strava.com/activities/987' },
      duplicateOf: null,
      reason: null,
    });
  });

  it('links a skipped duplicate to the record it matched, with its reason', () => {
    const dto = toRecordDto(
      row({
        status: 'SKIPPED_DUPLICATE',
        destination_id: null,
        duplicate_of_id: 'sw-abc',
        reason_code: 'DUPLICATE_AT_DESTINATION',
        reason_message: 'fitbit already has this workout',
      }),
      'fitbit',
    );
    expect(dto).toMatchObject({
      destination: null,
      duplicateOf: { recordId: 'sw-abc', url: 'https://www.fitbit.com/activities/exercise/sw-abc' },
      reason: { code: 'DUPLICATE_AT_DESTINATION', message: 'fitbit already has this workout' },
    });
  });
});
