import type { AppConfig } from '../../../config/app-config.js';
import { sleep } from '../../../common/sleep.js';
import type { CanonicalSession } from '../canonical/canonical-session.js';
import { kindToStrava } from '../canonical/activity-kinds.js';
import type { ProviderHttpClient } from '../http/provider-http.client.js';
import { AmbiguousWriteError, ProviderUnavailableError } from '../provider-errors.js';
import type { AccountRef, WriteResult } from '../provider-connector.js';
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

/**
 * The Strava connector's write side: a session with a track is a FIT upload (external_id from the
 * record's key; "duplicate of activity N" means already written), polled until Strava has processed
 * it; one without is a manual activity, found again through a marker in its description, since Strava
 * does not deduplicate those. Uses the connector's HTTP client (quota, tokens, retries).
 */
export class StravaWriter {
  constructor(
    private readonly http: ProviderHttpClient,
    private readonly config: AppConfig,
  ) {}

  async write(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    options: { recovering: boolean; signal?: AbortSignal },
  ): Promise<WriteResult> {
    if (options.recovering) {
      // an earlier attempt may have written it: look it up rather than writing again
      const existing = await this.findWritten(account, session, key, options.signal);
      if (existing) return { destinationId: existing, duplicate: true };
    }
    return isTracked(session)
      ? this.upload(account, session, key, options.signal)
      : this.createManual(account, session, key, options);
  }

  private async upload(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    signal?: AbortSignal,
  ): Promise<WriteResult> {
    const form = new FormData();
    for (const [field, value] of Object.entries(uploadFields(session, key))) form.set(field, value);
    form.set('file', new Blob([toFitUpload(session)], { type: 'application/octet-stream' }), `${key}.fit`);
    // the external_id makes a repeated upload a "duplicate", so sending it again is safe
    const created = await this.http.request(
      account,
      { method: 'POST', path: '/uploads', form, kind: 'write', idempotent: true, recordKey: key },
      signal,
    );
    if (created.status !== 201 && created.status !== 200)
      throw new RecordRejectedError(`Strava refused the upload (HTTP ${created.status})`);
    const deadline = Date.now() + this.config.providers.uploadTimeoutMs;
    let upload = created.body as { id: number; error: string | null; activity_id: number | null };
    await sleep(this.config.providers.uploadFirstPollMs, signal); // processing takes ~2 s; polls at most once a second
    for (;;) {
      if (upload.activity_id) return { destinationId: String(upload.activity_id), duplicate: false };
      const duplicate = upload.error ? DUPLICATE.exec(upload.error) : null;
      if (duplicate) return { destinationId: duplicate[1], duplicate: true };
      if (upload.error) throw new RecordRejectedError(`Strava could not process the upload: ${upload.error}`);
      if (Date.now() > deadline)
        throw new ProviderUnavailableError('strava', `Strava upload ${upload.id} was still processing`);
      const polled = await this.http.request<typeof upload>(
        account,
        { method: 'GET', path: `/uploads/${upload.id}`, kind: 'read', idempotent: true },
        signal,
      );
      if (polled.status !== 200)
        throw new ProviderUnavailableError('strava', `upload status answered HTTP ${polled.status}`);
      upload = polled.body;
      if (!upload.activity_id && !upload.error)
        await sleep(
          // Strava: no more than one poll a second (in provider time, for time-scaled simulators)
          Math.max(1000 * this.config.providers.timeScale, this.config.providers.uploadPollIntervalMs),
          signal,
        );
    }
  }

  private async createManual(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    options: { recovering: boolean; signal?: AbortSignal },
  ): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.http.request<{ id: number }>(
          account,
          {
            method: 'POST',
            path: '/activities',
            json: toManualActivity(session, key),
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
        if (!(error instanceof AmbiguousWriteError)) throw error;
        // it may have been created before the answer was lost: look before writing again
        const existing = await this.findWritten(account, session, key, options.signal);
        if (existing) return { destinationId: existing, duplicate: true };
        if (attempt >= 3) throw error;
      }
    }
  }

  /**
   * The activity this key created earlier, if any: among the activities starting within 2 s of the
   * session, an upload carries the key as its external_id; a manual activity (which has none) carries
   * the key's marker in its description, with the same sport.
   */
  private async findWritten(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const start = Math.floor(Date.parse(session.start) / 1000);
    const list = await this.http.request<StravaSummary[]>(
      account,
      {
        method: 'GET',
        path: '/athlete/activities',
        query: { after: start - 2, before: start + 2, per_page: 30 },
        kind: 'read',
        idempotent: true,
      },
      signal,
    );
    const found = list.status === 200 ? list.body : [];
    const uploaded = found.find((a) => a.external_id === `${key}.fit` || a.external_id === key);
    if (uploaded) return String(uploaded.id);
    const candidates = found.filter((a) => a.manual && a.sport_type === kindToStrava(session.kind));
    for (const candidate of candidates) {
      const detail = await this.http.request<StravaSummary>(
        account,
        { method: 'GET', path: `/activities/${candidate.id}`, kind: 'read', idempotent: true },
        signal,
      );
      if (detail.status === 200 && detail.body.description?.includes(marker(key)))
        return String(candidate.id);
    }
    return undefined;
  }
}
