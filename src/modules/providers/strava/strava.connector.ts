import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { startOfCivilDate } from '../../../common/time-zone.js';
import { PermanentChunkError } from '../../chunks/chunk-errors.js';
import { addDays } from '../../../common/civil-date.js';
import { faultedRead, type CanonicalSession, type SourceRecord } from '../canonical/canonical-session.js';
import { ProviderHttpClient } from '../http/provider-http.client.js';
import { ProviderRateLimitedError, ProviderUnavailableError } from '../provider-errors.js';
import { ProviderHealth } from '../http/provider-health.js';
import { ProviderMetrics } from '../http/provider-metrics.js';
import type {
  AccountRef,
  AuthorizedAccount,
  ProviderConnector,
  ReadPage,
  ReadRange,
  WriteResult,
  PendingWrite,
  WriteToConfirm,
  AuthorizeUrlRequest,
  ActivityWindow,
  WriteOptions,
} from '../provider-connector.js';
import type { ActivityFacts } from '../dedup/duplicate-matcher.js';
import { QuotaService } from '../quota/quota.service.js';
import { exchangeAuthorizationCode, toGrant } from '../tokens/grants.js';
import { TokenService } from '../tokens/token.service.js';
import {
  fromStravaActivity,
  hasTrack,
  stravaFacts,
  type StravaStreams,
  type StravaSummary,
} from './strava.mapper.js';
import { StravaRateLimits } from './strava-rate-limits.js';
import { StravaWriter } from './strava.writer.js';
import { retryPolicy } from '../../../config/retry-policy.js';

export const STRAVA_SCOPES = 'read,activity:read_all,activity:write';
const PER_PAGE = 200;

/**
 * Strava API v3: OAuth (no PKCE), activities by after/before (200 a page) with streams for GPS
 * tracks; writes (FIT upload or manual activity, and finding an earlier write again) are
 * strava.writer.ts.
 */
@Injectable()
export class StravaConnector implements ProviderConnector {
  readonly provider = 'strava' as const;
  private readonly http: ProviderHttpClient;
  private readonly writer: StravaWriter;

  constructor(
    private readonly config: AppConfig,
    tokens: TokenService,
    quota: QuotaService,
    metrics: ProviderMetrics,
    health: ProviderHealth,
  ) {
    this.http = new ProviderHttpClient(
      new StravaRateLimits(config, quota),
      tokens,
      quota,
      metrics,
      {
        timeoutMs: config.providers.requestTimeoutMs,
        retry: retryPolicy(config).request,
      },
      health,
    );
    this.writer = new StravaWriter(this.http, config);
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
    settled?: ReadonlySet<string>,
  ): Promise<ReadPage> {
    const page =
      typeof (cursor as { page?: unknown })?.page === 'number' ? (cursor as { page: number }).page : 1;
    const after = Math.floor(startOfCivilDate(range.timezone, range.startDate).getTime() / 1000) - 1;
    const before = Math.floor(startOfCivilDate(range.timezone, addDays(range.endDate, 1)).getTime() / 1000);
    const activities = await this.activityPage(account, after, before, page, signal);
    const records: SourceRecord[] = [];
    for (const activity of activities) {
      // settled by an earlier run of this chunk: passed again, never written again, no streams
      if (settled?.has(String(activity.id))) {
        records.push(fromStravaActivity(activity, undefined));
        continue;
      }
      try {
        const streams = hasTrack(activity) ? await this.streams(account, activity.id, signal) : undefined;
        records.push(fromStravaActivity(activity, streams));
      } catch (error) {
        // the read budget ran out partway: what was read is kept, and this page is read again later
        if (error instanceof ProviderRateLimitedError && records.length > 0)
          return { records, next: cursor, interrupted: error };
        // this activity's streams keep failing while Strava answers the rest: the record's fault
        const faulted = faultedRead(fromStravaActivity(activity, undefined), error, this.provider);
        if (!faulted) throw error;
        records.push(faulted);
      }
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

  /** FIT upload, or a manual activity without a track; see strava.writer.ts. */
  write(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    options: WriteOptions,
  ): Promise<WriteResult | PendingWrite> {
    return this.writer.write(account, session, key, options);
  }

  /** Uploads are confirmed together by one activity list; see StravaWriter.confirm. */
  confirmWrites(
    account: AccountRef,
    writes: WriteToConfirm[],
    signal?: AbortSignal,
  ): Promise<Map<string, WriteResult | Error>> {
    return this.writer.confirm(account, writes, signal);
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
}
