import type { AppConfig } from '../../../config/app-config.js';
import { sleep } from '../../../common/sleep.js';
import type { CanonicalSession } from '../canonical/canonical-session.js';
import { kindToStrava } from './strava.activity-kinds.js';
import { StravaListBatcher } from './strava-list-batcher.js';
import type { ProviderHttpClient } from '../http/provider-http.client.js';
import {
  AmbiguousWriteError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../provider-errors.js';
import type {
  AccountRef,
  PendingWrite,
  WriteOptions,
  WriteResult,
  WriteToConfirm,
} from '../provider-connector.js';
import { RecordRejectedError } from '../record-rejected.error.js';
import {
  isTracked,
  marker,
  toFitUpload,
  toManualActivity,
  uploadFields,
  type StravaSummary,
} from './strava.mapper.js';

const DUPLICATE = /duplicate of activity (\d+)/;
const LIST_PAGE = 200;
/**
 * How long (provider time) a confirmation list due waits for the account's other chunks to join it:
 * chunks of one user run side by side and finish their pages within seconds of each other. A lone
 * chunk's list is not held back; a joiner delays the ones before it by at most this.
 */
const LIST_LINGER_MS = 10_000;
/** Never less, in real ms: our own work between pages (database, CPU) is not provider time. */
const LIST_LINGER_MIN_MS = 2_000;
/** How far from a session's start its written activity is looked for (by external_id). */
const FOUND_MARGIN_SECONDS = 86_400;

/**
 * The Strava connector's write side: a session with a track is a FIT upload (external_id from the
 * record's key; "duplicate of activity N" means already written), left pending and confirmed with
 * the page's other uploads by one activity list (polled alone only when the list does not show
 * it); one without is a manual activity, found again through a marker in its description, since
 * Strava does not deduplicate those. Uses the connector's HTTP client (quota, tokens, retries).
 */
export class StravaWriter {
  /** Confirmation lists of one account's chunks due together go out as one (strava-list-batcher.ts). */
  private readonly lists = new StravaListBatcher(
    (account, after, before, signal) => this.list(account, after, before, signal),
    () => Math.max(this.firstPollMs, LIST_LINGER_MS * this.config.providers.timeScale, LIST_LINGER_MIN_MS),
  );

  constructor(
    private readonly http: ProviderHttpClient,
    private readonly config: AppConfig,
  ) {}

  async write(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    options: WriteOptions,
  ): Promise<WriteResult | PendingWrite> {
    if (options.recovering) {
      // an earlier attempt may have written it: look it up rather than writing again
      const existing = await this.findWritten(account, session, key, options.signal).catch((e: unknown) => {
        throw mayHaveLanded(e);
      });
      if (existing) return { destinationId: existing, duplicate: true };
    }
    return isTracked(session)
      ? this.upload(account, session, key, options)
      : this.createManual(account, session, key, options);
  }

  /**
   * Uploads a FIT file and leaves it pending: Strava processes uploads asynchronously, and
   * `confirm` settles a page's uploads together. An answer that already says how it ended (an
   * activity id, an error) is settled at once.
   */
  private async upload(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    { sourceName, signal }: WriteOptions,
  ): Promise<WriteResult | PendingWrite> {
    const form = new FormData();
    for (const [field, value] of Object.entries(uploadFields(session, key, sourceName)))
      form.set(field, value);
    form.set('file', new Blob([toFitUpload(session)], { type: 'application/octet-stream' }), `${key}.fit`);
    // the external_id makes a repeated upload a "duplicate", so sending it again is safe
    const created = await this.http.request<Upload>(
      account,
      { method: 'POST', path: '/uploads', form, kind: 'write', idempotent: true, recordKey: key },
      signal,
    );
    if (created.status !== 201 && created.status !== 200)
      throw new RecordRejectedError(`Strava refused the upload (HTTP ${created.status})`);
    return uploadOutcome(created.body) ?? { pending: true, ref: String(created.body.id), at: Date.now() };
  }

  /**
   * Settles pending uploads: once Strava's processing time has passed since the last of them, one
   * list of the activities starting around them (200 a page) finds each by its external_id (a
   * second list a poll interval later when several are missing); only an upload the lists do not
   * show (still processing, a duplicate, an error) is polled, at most once a second per upload in
   * provider time.
   */
  async confirm(
    account: AccountRef,
    writes: WriteToConfirm[],
    signal?: AbortSignal,
  ): Promise<Map<string, WriteResult | Error>> {
    const results = new Map<string, WriteResult | Error>();
    if (writes.length === 0) return results;
    const ours = writes.filter((w) => w.pending.ref !== '');
    // once Strava has had time to process the last of them; with other chunks' lists due by then
    const readyAt =
      ours.length > 0 ? Math.max(...ours.map((w) => w.pending.at)) + this.firstPollMs : Date.now();
    const [after, before] = windowAround(writes.map((w) => w.start));
    const listed = await this.lists.request(account, after, before, readyAt, signal);
    // what earlier runs wrote (no handle of ours): by its key in the same list, else left out
    const earlier = writes.filter((w) => w.pending.ref === '' && w.session);
    const found = await this.matchWrites(
      account,
      earlier.map((w) => ({ key: w.key, session: w.session! })),
      listed,
      signal,
    );
    for (const [key, id] of found) results.set(key, { destinationId: id, duplicate: true });
    let unlisted = listedOutcomes(ours, listed, results);
    if (unlisted.length > 1) {
      // several still processing (or refused): one more list costs less than polling each
      await sleep(this.pollIntervalMs, signal);
      const again = await this.listAround(
        account,
        unlisted.map((w) => w.start),
        signal,
      );
      unlisted = listedOutcomes(unlisted, again, results);
    }
    for (const write of unlisted) {
      try {
        results.set(write.key, await this.poll(account, write.pending.ref, signal));
      } catch (error) {
        if (!(error instanceof RecordRejectedError || isRecordFault(error))) throw error;
        results.set(write.key, error as Error);
      }
    }
    return results;
  }

  /**
   * Every activity starting within a day of these starts (an uploaded activity starts when its
   * file's first record does, which may be later than the session's): still one page for a month.
   */
  private listAround(account: AccountRef, starts: string[], signal?: AbortSignal): Promise<StravaSummary[]> {
    const [after, before] = windowAround(starts);
    return this.list(account, after, before, signal);
  }

  /** Polls one upload until Strava has processed it (its activity, a duplicate, or its error). */
  private async poll(account: AccountRef, uploadId: string, signal?: AbortSignal): Promise<WriteResult> {
    const deadline = Date.now() + this.config.providers.uploadTimeoutMs;
    for (;;) {
      const polled = await this.http.request<Upload>(
        account,
        { method: 'GET', path: `/uploads/${uploadId}`, kind: 'read', idempotent: true },
        signal,
      );
      if (polled.status !== 200)
        throw new ProviderUnavailableError('strava', `upload status answered HTTP ${polled.status}`);
      const outcome = uploadOutcome(polled.body);
      if (outcome) return outcome;
      if (Date.now() > deadline) {
        // Strava answers, this upload just does not finish: its record's fault, not an outage
        const seconds = Math.round(this.config.providers.uploadTimeoutMs / 1000);
        throw new ProviderUnavailableError(
          'strava',
          `Strava upload ${uploadId} was still processing after ${seconds} s`,
          'api',
          undefined,
          { request: `GET /uploads/{id} (still processing after ${seconds} s)`, status: polled.status },
        );
      }
      await sleep(this.pollIntervalMs, signal);
    }
  }

  private async createManual(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    options: WriteOptions,
  ): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.http.request<{ id: number }>(
          account,
          {
            method: 'POST',
            path: '/activities',
            json: toManualActivity(session, key, options.sourceName),
            kind: 'write',
            idempotent: false,
            recordKey: key,
          },
          options.signal,
        );
        if (res.status === 201 || res.status === 200)
          return { destinationId: String(res.body.id), duplicate: false };
        throw new RecordRejectedError(
          `Strava refused the activity (HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)})`,
        );
      } catch (error) {
        if (!(error instanceof AmbiguousWriteError)) throw attempt > 1 ? mayHaveLanded(error) : error;
        // it may have been created before the answer was lost: look before writing again
        const existing = await this.findWritten(account, session, key, options.signal).catch((e: unknown) => {
          throw mayHaveLanded(e);
        });
        if (existing) return { destinationId: existing, duplicate: true };
        if (attempt >= 3) throw error;
      }
    }
  }

  /** The activity this key created earlier, if any (see matchWrites), from one list around it. */
  private async findWritten(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const listed = await this.listAround(account, [session.start], signal);
    return (await this.matchWrites(account, [{ key, session }], listed, signal)).get(key);
  }

  /**
   * The activities earlier attempts of these keys created, among the listed activities (those
   * starting within a day of them): an upload carries its key as its external_id; a manual activity (which
   * has none) starts within 2 s of its session, with the same sport and the key's marker in its
   * description (read from the activity itself). Key -> activity id, for those found.
   */
  private async matchWrites(
    account: AccountRef,
    writes: Array<{ key: string; session: CanonicalSession }>,
    listed: StravaSummary[],
    signal?: AbortSignal,
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const { key, session } of writes) {
      const uploaded = listed.find((a) => a.external_id === `${key}.fit` || a.external_id === key);
      if (uploaded) {
        found.set(key, String(uploaded.id));
        continue;
      }
      const start = Date.parse(session.start) / 1000;
      const candidates = listed.filter(
        (a) =>
          a.manual &&
          a.sport_type === kindToStrava(session.kind) &&
          Math.abs(Date.parse(a.start_date ?? '') / 1000 - start) <= 2,
      );
      for (const candidate of candidates) {
        const detail = await this.http.request<StravaSummary>(
          account,
          { method: 'GET', path: `/activities/${candidate.id}`, kind: 'read', idempotent: true },
          signal,
        );
        if (detail.status === 200 && detail.body.description?.includes(marker(key))) {
          found.set(key, String(candidate.id));
          break;
        }
      }
    }
    return found;
  }

  /** Every activity starting in (after, before), epoch seconds: 200 a page until a short one. */
  private async list(
    account: AccountRef,
    after: number,
    before: number,
    signal?: AbortSignal,
  ): Promise<StravaSummary[]> {
    const found: StravaSummary[] = [];
    for (let page = 1; ; page++) {
      const res = await this.http.request<StravaSummary[]>(
        account,
        {
          method: 'GET',
          path: '/athlete/activities',
          query: { after, before, page, per_page: LIST_PAGE },
          kind: 'read',
          idempotent: true,
        },
        signal,
      );
      if (res.status !== 200 || !Array.isArray(res.body))
        throw new ProviderUnavailableError('strava', `the activity list answered HTTP ${res.status}`);
      found.push(...res.body);
      if (res.body.length < LIST_PAGE) return found;
    }
  }

  /** Strava processes an upload in about 2 s (provider time): the first look waits that long. */
  private get firstPollMs(): number {
    return this.config.providers.uploadFirstPollMs;
  }

  /** Strava: no more than one poll a second (in provider time, for time-scaled simulators). */
  private get pollIntervalMs(): number {
    return Math.max(1000 * this.config.providers.timeScale, this.config.providers.uploadPollIntervalMs);
  }
}

/** Every activity starting within a day of these starts: (after, before), epoch seconds. */
function windowAround(starts: string[]): [number, number] {
  const seconds = starts.map((s) => Math.floor(Date.parse(s) / 1000));
  return [Math.min(...seconds) - FOUND_MARGIN_SECONDS, Math.max(...seconds) + FOUND_MARGIN_SECONDS];
}

interface Upload {
  id: number;
  error: string | null;
  activity_id: number | null;
}

/** Settles the uploads `listed` shows (by external_id) into `results`; returns the others. */
function listedOutcomes(
  writes: WriteToConfirm[],
  listed: StravaSummary[],
  results: Map<string, WriteResult | Error>,
): WriteToConfirm[] {
  const byExternalId = new Map(listed.map((a) => [a.external_id, a]));
  return writes.filter((write) => {
    const found = byExternalId.get(`${write.key}.fit`) ?? byExternalId.get(write.key);
    if (found) results.set(write.key, { destinationId: String(found.id), duplicate: false });
    return !found;
  });
}

/** How a processed upload ended; undefined while Strava is still processing it. */
function uploadOutcome(upload: Upload): WriteResult | undefined {
  if (upload.activity_id) return { destinationId: String(upload.activity_id), duplicate: false };
  const duplicate = upload.error ? DUPLICATE.exec(upload.error) : null;
  if (duplicate) return { destinationId: duplicate[1], duplicate: true };
  if (upload.error) throw new RecordRejectedError(`Strava could not process the upload: ${upload.error}`);
  return undefined;
}

/** An error after an attempt whose write may have landed: a rate limit then says nothing of it. */
function mayHaveLanded(error: unknown): unknown {
  if (error instanceof ProviderRateLimitedError) error.unsent = false;
  return error;
}

/** A request of this record that keeps failing while Strava answers the rest (see ProviderHealth). */
const isRecordFault = (error: unknown): boolean =>
  error instanceof ProviderUnavailableError && error.requestFault !== undefined;
