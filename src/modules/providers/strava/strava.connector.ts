import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { startOfCivilDate } from '../../../common/time-zone.js';
import { PermanentChunkError } from '../../chunks/chunk-errors.js';
import { addDays } from '../../../common/civil-date.js';
import type { CanonicalSession, SourceRecord } from '../canonical/canonical-session.js';
import { kindToStrava } from '../canonical/activity-kinds.js';
import { ProviderHttpClient } from '../http/provider-http.client.js';
import { AmbiguousWriteError, ProviderUnavailableError } from '../provider-errors.js';
import { ProviderMetrics } from '../http/provider-metrics.js';
import type {
  AccountRef,
  AuthorizedAccount,
  ProviderConnector,
  ReadPage,
  ReadRange,
  WriteResult,
  AuthorizeUrlRequest,
  ActivityWindow,
} from '../provider-connector.js';
import type { ActivityFacts } from '../dedup/duplicate-matcher.js';
import { recordUrl } from '../../records/record-links.js';
import { QuotaService } from '../quota/quota.service.js';
import { RecordRejectedError } from '../record-rejected.error.js';
import { exchangeAuthorizationCode, toGrant } from '../tokens/grants.js';
import { TokenService } from '../tokens/token.service.js';
import { stravaCostModel } from './strava.cost-model.js';
import {
  fromStravaActivity,
  hasTrack,
  isTracked,
  marker,
  stravaFacts,
  toFitUpload,
  toManualActivity,
  uploadFields,
  type StravaStreams,
  type StravaSummary,
} from './strava.mapper.js';
import { StravaRateLimits } from './strava-rate-limits.js';
import { sleep } from '../../../common/sleep.js';

export const STRAVA_SCOPES = 'read,activity:read_all,activity:write';
const PER_PAGE = 200;
const DUPLICATE = /duplicate of activity (\d+)/;

/**
 * Strava API v3: activities by after/before (200 a page) with streams for GPS tracks; writes by
 * FIT upload (external_id from the record's key; "duplicate of activity N" means already written)
 * or, without a track, a manual activity (found again through a marker in its description, since
 * Strava does not deduplicate those).
 */
@Injectable()
export class StravaConnector implements ProviderConnector {
  readonly provider = 'strava' as const;
  readonly costModel = stravaCostModel;
  private readonly http: ProviderHttpClient;

  constructor(
    private readonly config: AppConfig,
    tokens: TokenService,
    quota: QuotaService,
    metrics: ProviderMetrics,
  ) {
    this.http = new ProviderHttpClient(new StravaRateLimits(config, quota), tokens, quota, metrics, {
      timeoutMs: config.providers.requestTimeoutMs,
      transientRetries: config.providers.transientRetries,
    });
  }

  /** Strava's OAuth has no PKCE: its consent is bound by the server's single-use state alone. */
  readonly supportsPkce = false;

  authorizeUrl({ redirectUri, state, loginHint }: AuthorizeUrlRequest): string {
    const url = new URL(this.config.providers.strava.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: this.config.providers.strava.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      approval_prompt: 'auto',
      scope: STRAVA_SCOPES,
      state,
      ...(loginHint ? { login_hint: loginHint } : {}),
    }).toString();
    return url.toString();
  }

  async exchangeCode(code: string, redirectUri: string): Promise<AuthorizedAccount> {
    const body = await exchangeAuthorizationCode(
      'strava',
      this.config.providers.strava,
      code,
      redirectUri,
      this.config.providers.requestTimeoutMs,
    );
    const athlete = body.athlete as { id?: number } | undefined;
    if (!athlete?.id)
      throw new ProviderUnavailableError('strava', 'the Strava token answer has no athlete', 'token');
    return { grant: toGrant(body), externalUserId: String(athlete.id) };
  }

  /** The oldest activity's local date (activities after the epoch, oldest first, one of them). */
  async firstDataDate(account: AccountRef): Promise<string | null> {
    const res = await this.http.request<StravaSummary[]>(account, {
      method: 'GET',
      path: '/athlete/activities',
      query: { after: 0, per_page: 1, page: 1 },
      kind: 'read',
      idempotent: true,
    });
    const first = res.status === 200 ? res.body[0] : undefined;
    return first?.start_date_local ? first.start_date_local.slice(0, 10) : null;
  }

  async readPage(
    account: AccountRef,
    range: ReadRange,
    cursor: unknown,
    signal?: AbortSignal,
  ): Promise<ReadPage> {
    const page =
      typeof (cursor as { page?: unknown })?.page === 'number' ? (cursor as { page: number }).page : 1;
    const after = Math.floor(startOfCivilDate(range.timezone, range.startDate).getTime() / 1000) - 1;
    const before = Math.floor(startOfCivilDate(range.timezone, addDays(range.endDate, 1)).getTime() / 1000);
    const activities = await this.activityPage(account, after, before, page, signal);
    const records: SourceRecord[] = [];
    for (const activity of activities) {
      const streams = hasTrack(activity) ? await this.streams(account, activity.id, signal) : undefined;
      records.push(fromStravaActivity(activity, streams));
    }
    // a short page is the last one; a full page may be followed by an empty one
    return { records, next: activities.length === PER_PAGE ? { page: page + 1 } : null };
  }

  /** One page of the athlete's activities that start in (after, before), epoch seconds. */
  private async activityPage(
    account: AccountRef,
    after: number,
    before: number,
    page: number,
    signal?: AbortSignal,
  ): Promise<StravaSummary[]> {
    const res = await this.http.request<StravaSummary[]>(
      account,
      {
        method: 'GET',
        path: '/athlete/activities',
        query: { after, before, page, per_page: PER_PAGE },
        kind: 'read',
        idempotent: true,
      },
      signal,
    );
    if (res.status !== 200 || !Array.isArray(res.body))
      throw new PermanentChunkError(
        'PROVIDER_BAD_REQUEST',
        `Strava refused the activity list (HTTP ${res.status})`,
      );
    return res.body;
  }

  private async streams(
    account: AccountRef,
    id: number,
    signal?: AbortSignal,
  ): Promise<StravaStreams | undefined> {
    const res = await this.http.request<StravaStreams>(
      account,
      {
        method: 'GET',
        path: `/activities/${id}/streams`,
        query: { keys: 'latlng,time,heartrate,altitude,distance', key_by_type: 'true' },
        kind: 'read',
        idempotent: true,
      },
      signal,
    );
    return res.status === 200 ? res.body : undefined;
  }

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
      { method: 'POST', path: '/uploads', form, kind: 'write', idempotent: true },
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

  /** Summaries by after/before, 200 a page (a month's window is usually one request). */
  async listActivities(
    account: AccountRef,
    window: ActivityWindow,
    signal?: AbortSignal,
  ): Promise<ActivityFacts[]> {
    const after = Math.floor(window.from.getTime() / 1000) - 1;
    const before = Math.ceil(window.to.getTime() / 1000);
    const found: ActivityFacts[] = [];
    for (let page = 1; ; page++) {
      const activities = await this.activityPage(account, after, before, page, signal);
      for (const activity of activities) {
        const facts = stravaFacts(activity);
        if (facts) found.push(facts);
      }
      if (activities.length < PER_PAGE) return found;
    }
  }

  recordUrl(recordId: string): string {
    return recordUrl('strava', recordId);
  }
}
