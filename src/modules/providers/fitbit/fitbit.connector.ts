import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { PermanentChunkError } from '../../chunks/chunk-errors.js';
import { addDays } from '../../../common/civil-date.js';
import { faultedRead, type CanonicalSession, type SourceRecord } from '../canonical/canonical-session.js';
import { ProviderHttpClient } from '../http/provider-http.client.js';
import { ProviderHealth } from '../http/provider-health.js';
import { ProviderMetrics } from '../http/provider-metrics.js';
import { ProviderUnavailableError } from '../provider-errors.js';
import {
  type AccountRef,
  type AuthorizedAccount,
  type ProviderConnector,
  type ReadPage,
  type ReadRange,
  type WriteResult,
  type AuthorizeUrlRequest,
  type ActivityWindow,
} from '../provider-connector.js';
import type { ActivityFacts } from '../dedup/duplicate-matcher.js';
import { civilDateTime, utcOffsetSeconds } from '../../../common/time-zone.js';
import { QuotaService } from '../quota/quota.service.js';
import { RecordRejectedError } from '../record-rejected.error.js';
import { exchangeAuthorizationCode, toGrant } from '../tokens/grants.js';
import { TokenService } from '../tokens/token.service.js';
import { FitbitRateLimits } from './fitbit-rate-limits.js';
import {
  fromGooglePoint,
  googleFacts,
  hasGps,
  toGooglePoint,
  type GoogleExercisePoint,
} from './fitbit.mapper.js';
import { retryPolicy } from '../../../config/retry-policy.js';

export const GOOGLE_HEALTH_SCOPES = [
  'https://www.googleapis.com/auth/googlehealth.activity_and_fitness',
  'https://www.googleapis.com/auth/googlehealth.location.readonly',
  'https://www.googleapis.com/auth/googlehealth.profile.readonly',
];

const EXERCISE = '/v4/users/me/dataTypes/exercise/dataPoints';

/**
 * Fitbit data through the Google Health API v4: exercise sessions by civil start time (25 a page),
 * GPS tracks from the TCX export, first-data date from the profile, writes with a client-provided
 * data point id (a second create of the same id is ALREADY_EXISTS: already written).
 */
@Injectable()
export class FitbitConnector implements ProviderConnector {
  readonly provider = 'fitbit' as const;
  private readonly http: ProviderHttpClient;

  constructor(
    private readonly config: AppConfig,
    tokens: TokenService,
    quota: QuotaService,
    metrics: ProviderMetrics,
    health: ProviderHealth,
  ) {
    this.http = new ProviderHttpClient(
      new FitbitRateLimits(config, quota),
      tokens,
      quota,
      metrics,
      {
        timeoutMs: config.providers.requestTimeoutMs,
        retry: retryPolicy(config).request,
      },
      health,
    );
  }

  /** Google's OAuth supports PKCE (S256) for web-server clients too. */
  readonly supportsPkce = true;

  authorizeUrl({ redirectUri, state, loginHint, codeChallenge }: AuthorizeUrlRequest): string {
    const url = new URL(this.config.providers.fitbit.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: this.config.providers.fitbit.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: GOOGLE_HEALTH_SCOPES.join(' '),
      access_type: 'offline',
      prompt: 'consent',
      state,
      ...(loginHint ? { login_hint: loginHint } : {}),
      ...(codeChallenge ? { code_challenge: codeChallenge, code_challenge_method: 'S256' } : {}),
    }).toString();
    return url.toString();
  }

  async exchangeCode(code: string, redirectUri: string, codeVerifier?: string): Promise<AuthorizedAccount> {
    const endpoints = this.config.providers.fitbit;
    const grant = toGrant(
      await exchangeAuthorizationCode(
        'fitbit',
        endpoints,
        code,
        redirectUri,
        this.config.providers.requestTimeoutMs,
        codeVerifier,
      ),
    );
    let identity: { healthUserId?: string };
    try {
      const res = await fetch(`${endpoints.apiBaseUrl}/v4/users/me/identity`, {
        headers: { Authorization: `Bearer ${grant.accessToken}` },
        signal: AbortSignal.timeout(this.config.providers.requestTimeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      identity = (await res.json()) as { healthUserId?: string };
    } catch (error) {
      throw new ProviderUnavailableError(
        'fitbit',
        `could not read the Google Health identity: ${(error as Error).message}`,
        'api',
      );
    }
    if (!identity.healthUserId)
      throw new ProviderUnavailableError('fitbit', 'the Google Health identity has no healthUserId');
    return { grant, externalUserId: identity.healthUserId };
  }

  async firstDataDate(account: AccountRef): Promise<string | null> {
    const { status, body } = await this.http.request<{
      membershipStartDate?: { year: number; month: number; day: number };
    }>(account, { method: 'GET', path: '/v4/users/me/profile', kind: 'read', idempotent: true });
    const d = status === 200 ? body.membershipStartDate : undefined;
    return d ? `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}` : null;
  }

  async readPage(
    account: AccountRef,
    range: ReadRange,
    cursor: unknown,
    signal?: AbortSignal,
    settled?: ReadonlySet<string>,
  ): Promise<ReadPage> {
    const filter = `exercise.interval.civil_start_time >= "${range.startDate}" AND exercise.interval.civil_start_time < "${addDays(range.endDate, 1)}"`;
    const list = (pageToken: string | undefined) => this.exercisePage(account, filter, pageToken, signal);
    let page = await list(typeof cursor === 'string' ? cursor : undefined);
    if (page.status === 400 && typeof cursor === 'string') page = await list(undefined); // a stale page token: start over (the ledger skips what was written)
    if (page.status !== 200)
      throw new PermanentChunkError(
        'PROVIDER_BAD_REQUEST',
        `Google Health refused the list request (HTTP ${page.status})`,
      );
    const records: SourceRecord[] = [];
    for (const point of page.body.dataPoints ?? []) {
      // settled by an earlier run of this chunk: passed again, never written again, no TCX export
      const summary = settled?.size ? fromGooglePoint(point, undefined) : undefined;
      if (summary && settled!.has(summary.id)) {
        records.push(summary);
        continue;
      }
      try {
        const tcx = hasGps(point) ? await this.exportTcx(account, point, signal) : undefined;
        records.push(fromGooglePoint(point, tcx ?? undefined));
      } catch (error) {
        // this exercise's export keeps failing while Google answers the rest: the record's fault
        const faulted = faultedRead(fromGooglePoint(point, undefined), error, this.provider);
        if (!faulted) throw error;
        records.push(faulted);
      }
    }
    return { records, next: page.body.nextPageToken || null };
  }

  private async exportTcx(
    account: AccountRef,
    point: GoogleExercisePoint,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const id = point.name?.split('/').at(-1);
    const res = await this.http.request<string>(
      account,
      {
        method: 'GET',
        path: `${EXERCISE}/${id}:exportExerciseTcx`,
        query: { alt: 'media', partialData: 'true' },
        kind: 'read',
        idempotent: true,
        responseType: 'text',
      },
      signal,
    );
    return res.status === 200 ? res.body : undefined;
  }

  async write(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    options: { signal?: AbortSignal },
  ): Promise<WriteResult> {
    const res = await this.http.request(
      account,
      {
        method: 'POST',
        path: EXERCISE,
        json: toGooglePoint(session, key),
        kind: 'write',
        idempotent: true,
        recordKey: key,
      },
      options.signal,
    );
    if (res.status === 200) return { destinationId: key, duplicate: false };
    if (res.status === 409) return { destinationId: key, duplicate: true };
    throw new RecordRejectedError(
      `Google Health refused the exercise (HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)})`,
    );
  }

  /**
   * Exercises by civil start time (the API's only time filter): the window's instants as civil
   * dates in the connection's zone, a day wider on each side, then cut to the window's instants.
   */
  async listActivities(
    account: AccountRef,
    window: ActivityWindow,
    signal?: AbortSignal,
  ): Promise<ActivityFacts[]> {
    const civil = (d: Date) => civilDateTime(d, utcOffsetSeconds(window.timezone, d)).slice(0, 10);
    const filter = `exercise.interval.civil_start_time >= "${addDays(civil(window.from), -1)}" AND exercise.interval.civil_start_time < "${addDays(civil(window.to), 2)}"`;
    const found: ActivityFacts[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.exercisePage(account, filter, pageToken, signal);
      if (page.status !== 200)
        throw new PermanentChunkError(
          'PROVIDER_BAD_REQUEST',
          `Google Health refused the list request (HTTP ${page.status})`,
        );
      for (const point of page.body.dataPoints ?? []) {
        const facts = googleFacts(point);
        if (facts && facts.start >= window.from.getTime() && facts.start <= window.to.getTime())
          found.push(facts);
      }
      pageToken = page.body.nextPageToken || undefined;
    } while (pageToken);
    return found;
  }

  /** One page of the exercise data points that match `filter` (a Google Health list filter). */
  private exercisePage(
    account: AccountRef,
    filter: string,
    pageToken: string | undefined,
    signal?: AbortSignal,
  ) {
    return this.http.request<{ dataPoints?: GoogleExercisePoint[]; nextPageToken?: string }>(
      account,
      {
        method: 'GET',
        path: EXERCISE,
        query: { filter, pageSize: 25, pageToken },
        kind: 'read',
        idempotent: true,
      },
      signal,
    );
  }
}
