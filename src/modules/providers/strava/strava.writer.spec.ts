import type { AppConfig } from '../../../config/app-config.js';
import type { ProviderHttpClient } from '../http/provider-http.client.js';
import type { CanonicalSession } from '../canonical/canonical-session.js';
import type { WriteToConfirm } from '../provider-connector.js';
import {
  AmbiguousWriteError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../provider-errors.js';
import { RecordRejectedError } from '../record-rejected.error.js';
import { StravaWriter } from './strava.writer.js';

const account = { id: 'acc', externalUserId: '7' };
const config = {
  providers: { timeScale: 0.001, uploadFirstPollMs: 1, uploadPollIntervalMs: 1, uploadTimeoutMs: 5_000 },
} as unknown as AppConfig;

/** A Strava that lists `listed` and answers upload polls from `uploads`; every request is logged. */
function fakeStrava(
  listed: Array<Record<string, unknown>>,
  uploads: Record<string, Array<Record<string, unknown>>>,
  activities: Record<string, Record<string, unknown>> = {},
) {
  const log: string[] = [];
  const http = {
    request: async (_account: unknown, req: { method: string; path: string }) => {
      log.push(`${req.method} ${req.path}`);
      if (req.path === '/athlete/activities') return { status: 200, body: listed, headers: {} };
      const id = /^\/uploads\/(\d+)$/.exec(req.path)?.[1];
      if (id) return { status: 200, body: uploads[id].shift(), headers: {} };
      const activity = /^\/activities\/(\d+)$/.exec(req.path)?.[1];
      if (activity) return { status: 200, body: activities[activity], headers: {} };
      throw new Error(`unexpected ${req.method} ${req.path}`);
    },
  } as unknown as ProviderHttpClient;
  return { writer: new StravaWriter(http, config), log };
}

const pending = (key: string, ref: string, start = '2025-03-01T08:00:00Z'): WriteToConfirm => ({
  key,
  start,
  pending: { pending: true, ref, at: Date.now() },
});

describe('StravaWriter.confirm: a page of uploads confirmed by one list', () => {
  it('settles every upload the list shows with one request, and polls none', async () => {
    const { writer, log } = fakeStrava(
      [
        { id: 11, external_id: 'a.fit', start_date: '2025-03-01T08:00:05Z' },
        { id: 12, external_id: 'b.fit', start_date: '2025-03-02T08:00:00Z' },
      ],
      {},
    );
    const results = await writer.confirm(account, [
      pending('a', '1'),
      pending('b', '2', '2025-03-02T08:00:00Z'),
    ]);
    expect(results.get('a')).toEqual({ destinationId: '11', duplicate: false });
    expect(results.get('b')).toEqual({ destinationId: '12', duplicate: false });
    expect(log).toEqual(['GET /athlete/activities']);
  });

  it('polls only what the lists miss: a duplicate is the activity Strava names, a refused file the record’s error', async () => {
    const { writer, log } = fakeStrava(
      [{ id: 11, external_id: 'a.fit', start_date: '2025-03-01T08:00:00Z' }],
      {
        '2': [{ id: 2, error: 'b.fit duplicate of activity 99', activity_id: null }],
        '3': [
          { id: 3, error: null, activity_id: null },
          { id: 3, error: 'Bad file: no track points', activity_id: null },
        ],
      },
    );
    const results = await writer.confirm(account, [pending('a', '1'), pending('b', '2'), pending('c', '3')]);
    expect(results.get('a')).toEqual({ destinationId: '11', duplicate: false });
    expect(results.get('b')).toEqual({ destinationId: '99', duplicate: true });
    expect(results.get('c')).toBeInstanceOf(RecordRejectedError);
    expect((results.get('c') as RecordRejectedError).reason).toMatch(/Bad file/);
    // two missing: one more list before polling them (the second still processing once)
    expect(log).toEqual([
      'GET /athlete/activities',
      'GET /athlete/activities',
      'GET /uploads/2',
      'GET /uploads/3',
      'GET /uploads/3',
    ]);
  });

  it('an upload still processing at the deadline is its record’s fault, not an outage', async () => {
    const stuck = { id: 6, error: null, activity_id: null };
    const { writer } = fakeStrava([], { '6': Array.from({ length: 10_000 }, () => ({ ...stuck })) });
    const short = new StravaWriter((writer as unknown as { http: ProviderHttpClient }).http, {
      providers: { ...config.providers, uploadTimeoutMs: 20 },
    } as unknown as AppConfig);
    const results = await short.confirm(account, [pending('f', '6')]);
    const error = results.get('f') as ProviderUnavailableError;
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.requestFault).toEqual({
      request: 'GET /uploads/{id} (still processing after 0 s)',
      status: 200,
    });
  });

  it("finds an earlier run's writes in the same list (by key, a manual one by its marker) and leaves out the ones not there", async () => {
    const session = (kind: string, start: string) => ({ kind, start }) as unknown as CanonicalSession;
    const { writer, log } = fakeStrava(
      [
        { id: 21, external_id: 'up.fit', start_date: '2025-03-01T08:00:09Z' },
        { id: 22, manual: true, sport_type: 'Workout', start_date: '2025-03-03T08:00:00Z' },
      ],
      {},
      { '22': { id: 22, description: 'Gym [syncwell:man]' } },
    );
    const earlier = (key: string, start: string, kind: string) => ({
      key,
      start,
      session: session(kind, start),
      pending: { pending: true as const, ref: '', at: 0 },
    });
    const results = await writer.confirm(account, [
      earlier('up', '2025-03-01T08:00:00Z', 'RUN'),
      earlier('man', '2025-03-03T08:00:00Z', 'WORKOUT'),
      earlier('gone', '2025-03-05T08:00:00Z', 'RUN'),
    ]);
    expect(results.get('up')).toEqual({ destinationId: '21', duplicate: true });
    expect(results.get('man')).toEqual({ destinationId: '22', duplicate: true });
    expect(results.has('gone')).toBe(false); // not there: the caller writes it
    expect(log).toEqual(['GET /athlete/activities', 'GET /activities/22']);
  });

  it('one missing upload is polled without a second list', async () => {
    const { writer, log } = fakeStrava([], { '5': [{ id: 5, error: null, activity_id: 55 }] });
    const results = await writer.confirm(account, [pending('e', '5')]);
    expect(results.get('e')).toEqual({ destinationId: '55', duplicate: false });
    expect(log).toEqual(['GET /athlete/activities', 'GET /uploads/5']);
  });
});

describe('StravaWriter.write: a rate limit after an attempt that may have landed', () => {
  const manual = {
    source: { provider: 'fitbit', id: 'r1' },
    kind: 'WORKOUT',
    name: 'Gym',
    start: '2025-03-01T08:00:00Z',
    end: '2025-03-01T09:00:00Z',
    startUtcOffsetSeconds: 0,
    endUtcOffsetSeconds: 0,
    elapsedSeconds: 3600,
  } as unknown as CanonicalSession;

  /** A Strava whose POST /activities answers (or throws) `posts` in turn and lists nothing. */
  function scripted(posts: Array<() => never>) {
    const http = {
      request: async (_account: unknown, req: { method: string; path: string }) => {
        if (req.path === '/athlete/activities') return { status: 200, body: [], headers: {} };
        if (req.method === 'POST' && req.path === '/activities') posts.shift()!();
        throw new Error(`unexpected ${req.method} ${req.path}`);
      },
    } as unknown as ProviderHttpClient;
    return new StravaWriter(http, config);
  }
  const limited = () => {
    throw Object.assign(new ProviderRateLimitedError('strava', new Date()), { unsent: true });
  };
  const write = (writer: StravaWriter) =>
    writer.write(account, manual, 'k1', { recovering: false, sourceName: 'Fitbit' }).then(
      () => {
        throw new Error('expected a rate limit');
      },
      (error: ProviderRateLimitedError) => error,
    );

  it('keeps "unsent" when the budget held back the only attempt', async () => {
    const error = await write(scripted([limited]));
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect(error.unsent).toBe(true);
  });

  it('clears it after an attempt whose answer was lost (the activity may exist)', async () => {
    const lost = () => {
      throw new AmbiguousWriteError('strava', 'POST /activities: timed out');
    };
    const error = await write(scripted([lost, limited]));
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect(error.unsent).toBe(false);
  });
});
