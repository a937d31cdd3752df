import { randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { writeTcx } from '../../common/formats/tcx.js';
import { generateAccount, type AccountOptions, type SimAccountData } from '../data/account.js';
import { generateTrack } from '../data/track.js';
import { hashSeed } from '../common/rng.js';
import { scaledMs, windowOf, type SimSettings } from '../common/settings.js';
import { SimServer, type Handler } from '../common/sim-server.js';
import { civilDateTime } from '../../common/time-zone.js';
import {
  EXERCISE_TYPES,
  civilObject,
  matches,
  parseFilter,
  sessionToDataPoint,
  type GoogleDataPoint,
} from './google-data.js';
import { errorInfo, googleError, METHODS, quotaInfo, type ErrorReason } from './google-errors.js';
import { validateNewExercise } from './google-validation.js';
import { omitDefaults } from './proto-json.js';

export { googleError } from './google-errors.js';

export const SCOPES = {
  read: 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly',
  write: 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness',
  location: 'https://www.googleapis.com/auth/googlehealth.location.readonly',
  profile: 'https://www.googleapis.com/auth/googlehealth.profile.readonly',
};

/** Any one of these lets a token read the identity (the discovery document's scopes of getIdentity). */
const IDENTITY_SCOPES = [
  SCOPES.read,
  SCOPES.write,
  SCOPES.profile,
  ...['ecg', 'health_metrics_and_measurements', 'irn', 'settings', 'sleep'].map(
    (s) => `https://www.googleapis.com/auth/googlehealth.${s}.readonly`,
  ),
];

const AUTH_REASONS: Record<'missing' | 'invalid' | 'expired' | 'revoked', ErrorReason> = {
  missing: 'CREDENTIALS_MISSING',
  invalid: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
  expired: 'ACCESS_TOKEN_EXPIRED',
  revoked: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
};

interface GoogleAccount {
  data: SimAccountData;
  healthUserId: string;
  legacyUserId: string;
  points: Map<
    string,
    { point: GoogleDataPoint; session?: SimAccountData['sessions'][number]; created: boolean }
  >;
  sorted?: GoogleDataPoint[];
}

interface AuthedLocals {
  account: GoogleAccount;
  scopes: string[];
}

const PER_USER_PER_MINUTE = 300;

/** The id a create request chooses for its data point (the last segment of `name`), if any. */
function clientPointId(body: unknown): string | undefined {
  const name = (body as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name.split('/').at(-1) || undefined : undefined;
}
const PER_PROJECT_PER_MINUTE = 120_000;

/**
 * The Google Health API v4 subset the product uses (Fitbit data), with Google's OAuth endpoints,
 * error bodies, page sizes and quotas (300 requests/min per user, 120,000/min per project).
 */
export class GoogleHealthSimulator extends SimServer {
  private readonly accounts = new Map<string, GoogleAccount>();
  private readonly windows = new Map<string, { index: number; count: number }>();

  constructor(settings: Partial<SimSettings> = {}) {
    super('google', settings, (status) => googleError(status));
    const form = express.urlencoded({ extended: false });
    const json = express.json({ limit: '1mb' });
    this.app.get(
      '/o/oauth2/v2/auth',
      ...this.endpoint('oauth.authorize', (req, res) => this.authorize(req, res)),
    );
    this.app.post('/token', form, json, ...this.endpoint('oauth.token', (req, res) => this.token(req, res)));
    const user = '/v4/users/:user';
    this.app.get(
      `${user}/profile`,
      ...this.endpoint('profile.get', this.auth([SCOPES.profile]), this.quota(), (_req, res) =>
        this.profile(res),
      ),
    );
    this.app.get(
      `${user}/identity`,
      ...this.endpoint('identity.get', this.auth([], IDENTITY_SCOPES), this.quota(), (_req, res) =>
        this.identity(res),
      ),
    );
    this.app.get(
      `${user}/dataTypes/:type/dataPoints`,
      ...this.endpoint('dataPoints.list', this.auth([SCOPES.read]), this.quota(), (req, res) =>
        this.list(req, res),
      ),
    );
    this.app.post(
      `${user}/dataTypes/:type/dataPoints`,
      json,
      ...this.endpoint(
        // the client-chosen id (last segment of `name`); a server-assigned one is no record key
        { name: 'dataPoints.create', recordKey: (req) => clientPointId(req.body) },
        this.auth([SCOPES.write]),
        this.quota(),
        (req, res) => this.create(req, res),
      ),
    );
    this.app.get(
      `${user}/dataTypes/:type/dataPoints/:id`,
      ...this.endpoint(
        // the data point id, for the point and its `:exportExerciseTcx` alike
        { name: 'dataPoints.get', recordKey: (req) => String(req.params.id).split(':')[0] },
        this.auth([SCOPES.read]),
        this.quota(),
        (req, res) => this.get(req, res),
      ),
    );
  }

  createAccount(options: AccountOptions) {
    const data = generateAccount(options);
    const base = hashSeed('google-user', data.seed);
    const account: GoogleAccount = {
      data,
      healthUserId: `${base.toString(16).padStart(8, '0')}${hashSeed('hu', data.seed).toString(16).padStart(8, '0')}`,
      legacyUserId: base.toString(36).toUpperCase().slice(0, 6).padEnd(6, 'X'),
      points: new Map(),
    };
    data.sessions.forEach((session, i) => {
      const id = String(4_000_000_000_000 + (hashSeed('exercise', data.seed) % 900_000) * 1_000_000 + i);
      account.points.set(id, {
        point: sessionToDataPoint(account.healthUserId, id, session),
        session,
        created: false,
      });
    });
    this.accounts.set(data.id, account);
    return this.summary(account);
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  protected accountOf(res: Response): string | undefined {
    return (res.locals.sim as AuthedLocals | undefined)?.account.data.id;
  }

  insertRaw(accountId: string, record: Record<string, unknown>) {
    const account = this.accounts.get(accountId)!;
    const id =
      String(record.name ?? '')
        .split('/')
        .at(-1) || String(6_000_000_000_000 + account.points.size);
    const point = {
      ...record,
      name: `users/${account.healthUserId}/dataTypes/exercise/dataPoints/${id}`,
    } as unknown as GoogleDataPoint;
    account.points.set(id, { point, created: false });
    account.sorted = undefined;
    return point;
  }

  accountContents(id: string) {
    const account = this.accounts.get(id);
    if (!account) return undefined;
    return { ...this.summary(account), dataPoints: this.sortedPoints(account) };
  }

  private summary(a: GoogleAccount) {
    const created = [...a.points.values()].filter((p) => p.created).length;
    return {
      id: a.data.id,
      provider: 'google',
      seed: a.data.seed,
      timezone: a.data.timezone,
      home: a.data.home.city,
      healthUserId: a.healthUserId,
      legacyUserId: a.legacyUserId,
      membershipStartDate: a.data.historyStart.toISOString().slice(0, 10),
      recordedSessions: a.data.sessions.length,
      createdDataPoints: created,
    };
  }

  private account(id: string): GoogleAccount {
    if (!this.accounts.has(id)) this.createAccount({ id });
    return this.accounts.get(id)!;
  }

  private sortedPoints(a: GoogleAccount): GoogleDataPoint[] {
    a.sorted ??= [...a.points.values()]
      .map((p) => p.point)
      .sort(
        (x, y) =>
          y.exercise.interval.startTime.localeCompare(x.exercise.interval.startTime) ||
          y.name.localeCompare(x.name),
      );
    return a.sorted;
  }

  private authorize(req: Request, res: Response) {
    const q = req.query as Record<string, string | undefined>;
    if (!q.client_id || !(this.oauth.clients.has(q.client_id) || this.settings.acceptAnyClient)) {
      return void res
        .status(401)
        .type('text/plain')
        .send('Error 401: invalid_client. The OAuth client was not found.');
    }
    if (!q.redirect_uri || q.response_type !== 'code') {
      return void res
        .status(400)
        .type('text/plain')
        .send('Error 400: invalid_request. Missing redirect_uri or response_type=code.');
    }
    if (!q.scope?.trim()) {
      return void res
        .status(400)
        .type('text/plain')
        .send('Error 400: invalid_request. Missing required parameter: scope');
    }
    const accountId = q.login_hint?.trim() || 'alice';
    this.account(accountId);
    const scope = q.scope.trim().split(/\s+/).join(' ');
    if (q.code_challenge !== undefined && q.code_challenge_method !== 'S256') {
      return void res
        .status(400)
        .type('text/plain')
        .send('Error 400: invalid_request. Only code_challenge_method=S256 is supported.');
    }
    const code = this.oauth.issueCode(
      { accountId, clientId: q.client_id, scope },
      q.redirect_uri,
      q.code_challenge,
    );
    const target = new URL(q.redirect_uri);
    target.searchParams.set('code', code);
    target.searchParams.set('scope', scope);
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    res.redirect(302, target.toString());
  }

  private token(req: Request, res: Response) {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1], 'base64').toString().split(':') : [];
    const clientId = body.client_id ?? basicId;
    if (!this.oauth.checkClient(clientId, body.client_secret ?? basicSecret, this.settings.acceptAnyClient)) {
      return void res
        .status(401)
        .json({ error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    }
    const lifetime =
      this.settings.accessTokenLifetimeSeconds !== undefined
        ? this.settings.accessTokenLifetimeSeconds * 1000
        : scaledMs(this.settings, 3600);
    let issued;
    if (body.grant_type === 'authorization_code') {
      // RFC 6749 §4.1.3: the authorization request carried a redirect_uri, so the exchange must too
      if (!body.redirect_uri)
        return void res
          .status(400)
          .json({ error: 'invalid_request', error_description: 'Missing required parameter: redirect_uri' });
      // Google checks the redirect URI before the code: a different one is redirect_uri_mismatch
      const issuedFor = body.code ? this.oauth.codeRedirectUri(body.code) : undefined;
      if (issuedFor !== undefined && body.redirect_uri !== issuedFor)
        return void res
          .status(400)
          .json({ error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
      const grant = body.code
        ? this.oauth.redeemCode(body.code, clientId!, body.redirect_uri, body.code_verifier)
        : undefined;
      if (!grant)
        return void res
          .status(400)
          .json({ error: 'invalid_grant', error_description: 'Malformed auth code.' });
      issued = this.oauth.issueTokens(grant, lifetime);
    } else if (body.grant_type === 'refresh_token') {
      issued = body.refresh_token
        ? this.oauth.useRefreshToken(body.refresh_token, clientId!, lifetime, false)
        : undefined;
      if (!issued)
        return void res
          .status(400)
          .json({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    } else {
      return void res.status(400).json({
        error: 'unsupported_grant_type',
        error_description: `Invalid grant_type: ${body.grant_type ?? ''}`,
      });
    }
    res.set('Cache-Control', 'no-store').json({
      access_token: issued.accessToken,
      expires_in: Math.max(1, Math.round((issued.expiresAt - Date.now()) / 1000)),
      ...(body.grant_type === 'authorization_code' ? { refresh_token: issued.refreshToken } : {}),
      scope: issued.grant.scope,
      token_type: 'Bearer',
    });
  }

  /** A valid token for this user with every scope in `all` and, when given, one of `anyOf`. */
  private auth(all: string[], anyOf: string[] = []): Handler {
    return (req, res, next) => {
      const method = METHODS[res.locals.endpoint as string] ?? 'unknown';
      const result = this.oauth.authenticate(req.headers.authorization);
      if (!result.ok) {
        res.set(
          'WWW-Authenticate',
          result.reason === 'missing'
            ? 'Bearer realm="https://accounts.google.com/"'
            : 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
        );
        const message =
          result.reason === 'missing'
            ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
            : undefined;
        return void res
          .status(401)
          .json(googleError(401, message, [errorInfo(AUTH_REASONS[result.reason], { method })]));
      }
      const account = this.accounts.get(result.grant.accountId)!;
      if (req.params.user !== 'me' && req.params.user !== account.healthUserId) {
        return void res
          .status(403)
          .json(
            googleError(403, 'The caller does not have permission', [
              errorInfo('IAM_PERMISSION_DENIED', { method }),
            ]),
          );
      }
      const scopes = result.grant.scope.split(/\s+/);
      const has = (scope: string) =>
        scopes.includes(scope) || (scope === SCOPES.read && scopes.includes(SCOPES.write));
      if (!all.every(has) || (anyOf.length > 0 && !anyOf.some(has))) {
        res.set(
          'WWW-Authenticate',
          `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${[...all, ...anyOf.slice(0, 1)].join(' ')}"`,
        );
        return void res
          .status(403)
          .json(googleError(403, undefined, [errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', { method })]));
      }
      res.locals.sim = { account, scopes, clientId: result.grant.clientId } satisfies AuthedLocals & {
        clientId: string;
      };
      next();
    };
  }

  /** 300 requests/min per user and 120,000/min per project, fixed windows (time-scaled). */
  private quota(): Handler {
    return (_req, res, next) => {
      const { account, clientId } = res.locals.sim as AuthedLocals & { clientId: string };
      const now = Date.now();
      const length = scaledMs(this.settings, 60);
      const window = windowOf(now, length);
      const over = (
        [
          [
            `user:${account.data.id}`,
            PER_USER_PER_MINUTE,
            'Requests per minute per user',
            'RequestsPerMinutePerUser',
          ],
          [
            `project:${clientId}`,
            PER_PROJECT_PER_MINUTE,
            'Requests per minute',
            'RequestsPerMinutePerProject',
          ],
        ] as const
      ).find(([key, limit]) => {
        const entry = this.windows.get(key);
        const count = entry && entry.index === window.index ? entry.count + 1 : 1;
        this.windows.set(key, { index: window.index, count });
        return count > limit;
      });
      if (over) {
        res.set('Retry-After', String(Math.max(1, Math.ceil((window.endsAt - now) / 1000))));
        return void res
          .status(429)
          .json(
            googleError(
              429,
              `Quota exceeded for quota metric 'Requests' and limit '${over[2]}' of service 'health.googleapis.com' for consumer 'project_number:1'.`,
              [quotaInfo(over[3], over[1], METHODS[res.locals.endpoint as string])],
            ),
          );
      }
      next();
    };
  }

  private profile(res: Response) {
    const { account } = res.locals.sim as AuthedLocals;
    const start = account.data.historyStart;
    res.json({
      name: 'users/me/profile',
      age: 30 + (hashSeed('age', account.data.seed) % 25),
      membershipStartDate: {
        year: start.getUTCFullYear(),
        month: start.getUTCMonth() + 1,
        day: start.getUTCDate(),
      },
    });
  }

  private identity(res: Response) {
    const { account } = res.locals.sim as AuthedLocals;
    res.json({
      name: 'users/me/identity',
      healthUserId: account.healthUserId,
      legacyUserId: account.legacyUserId,
    });
  }

  private list(req: Request, res: Response) {
    const { account } = res.locals.sim as AuthedLocals;
    if (req.params.type !== 'exercise')
      return void res
        .status(404)
        .json(googleError(404, `Data type ${req.params.type} is not available in this simulator.`));
    const q = req.query as Record<string, string | undefined>;
    let clauses;
    try {
      clauses = parseFilter(q.filter);
    } catch (error) {
      return void res.status(400).json(googleError(400, (error as Error).message));
    }
    const requested = q.pageSize === undefined ? 25 : Number(q.pageSize);
    if (!Number.isInteger(requested) || requested < 0)
      return void res.status(400).json(googleError(400, 'page_size must be a non-negative integer'));
    const pageSize = Math.min(requested || 25, 25);
    const filterKey = hashSeed(q.filter ?? '');
    let offset = 0;
    if (q.pageToken) {
      try {
        const token = JSON.parse(Buffer.from(q.pageToken, 'base64url').toString()) as {
          o: number;
          f: number;
        };
        if (token.f !== filterKey || !Number.isInteger(token.o) || token.o < 0) throw new Error();
        offset = token.o;
      } catch {
        return void res.status(400).json(googleError(400, 'Invalid page token.'));
      }
    }
    const all = this.sortedPoints(account).filter((p) => matches(p, clauses));
    const page = all.slice(offset, offset + pageSize);
    const next =
      offset + pageSize < all.length
        ? Buffer.from(JSON.stringify({ o: offset + pageSize, f: filterKey })).toString('base64url')
        : undefined;
    res.json({ dataPoints: page, ...(next ? { nextPageToken: next } : {}) });
  }

  private get(req: Request, res: Response) {
    const { account, scopes } = res.locals.sim as AuthedLocals;
    const [id, verb] = String(req.params.id).split(':');
    const entry = req.params.type === 'exercise' ? account.points.get(id) : undefined;
    if (!entry) return void res.status(404).json(googleError(404));
    if (verb === undefined) return void res.json(entry.point);
    if (verb !== 'exportExerciseTcx') return void res.status(404).json(googleError(404));
    if (!scopes.includes(SCOPES.location)) {
      const method = 'health.users.dataTypes.dataPoints.exportExerciseTcx';
      return void res
        .status(403)
        .json(googleError(403, undefined, [errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', { method })]));
    }
    const tcx = this.exportTcx(account, entry, req.query.partialData === 'true');
    if (req.query.alt === 'media') return void res.type('application/vnd.garmin.tcx+xml').send(tcx);
    res.json({ tcxData: tcx });
  }

  private exportTcx(
    account: GoogleAccount,
    entry: GoogleAccount['points'] extends Map<string, infer V> ? V : never,
    partial: boolean,
  ): string {
    const x = entry.point.exercise;
    const start = new Date(x.interval.startTime);
    const summary = x.metricsSummary as Record<string, number | string | undefined>;
    const session = entry.session;
    const points = session
      ? generateTrack(session, account.data.home).filter((p) => partial || p.lat !== undefined)
      : [];
    const sport = x.exerciseType === 'RUNNING' ? 'Running' : x.exerciseType === 'BIKING' ? 'Biking' : 'Other';
    const device = entry.point.dataSource?.device as { displayName?: string } | undefined;
    const deviceName = device?.displayName ?? 'Google Health';
    return writeTcx({
      sport,
      id: start,
      creator: deviceName,
      device: {
        name: deviceName,
        unitId: hashSeed('unit', account.data.seed),
        productId: 1_998 + (hashSeed('product', account.data.seed) % 7),
        version: { major: 1, minor: 0, buildMajor: 0, buildMinor: 0 },
      },
      notes: x.notes as string | undefined,
      laps: [
        {
          startTime: start,
          totalTimeSeconds: (new Date(x.interval.endTime).getTime() - start.getTime()) / 1000,
          distanceMeters: Number(summary.distanceMillimeters ?? 0) / 1000,
          calories: Number(summary.caloriesKcal ?? 0),
          averageHeartRate: summary.averageHeartRateBeatsPerMinute
            ? Number(summary.averageHeartRateBeatsPerMinute)
            : undefined,
          maxHeartRate: session?.maxHr,
          points,
        },
      ],
    });
  }

  private create(req: Request, res: Response) {
    const { account } = res.locals.sim as AuthedLocals;
    if (req.params.type !== 'exercise') return void res.status(404).json(googleError(404));
    const body = req.body as Partial<GoogleDataPoint>;
    const problem = validateNewExercise(
      body,
      Object.values(EXERCISE_TYPES).concat(['OTHER', 'EXERCISE_TYPE_UNSPECIFIED']),
    );
    if (problem) return void res.status(400).json(googleError(400, problem));
    const requestedId = body.name?.split('/').at(-1);
    if (body.name !== undefined && !/^[a-z0-9-]{4,63}$/.test(requestedId ?? '')) {
      return void res
        .status(400)
        .json(
          googleError(
            400,
            'Invalid data point id: it must be 4-63 characters of lowercase letters, digits and hyphens.',
          ),
        );
    }
    const id = requestedId ?? String(5_000_000_000_000 + account.points.size);
    const name = `users/${account.healthUserId}/dataTypes/exercise/dataPoints/${id}`;
    if (account.points.has(id))
      return void res.status(409).json(googleError(409, `Data point ${name} already exists.`));
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const interval = body.exercise!.interval;
    const point: GoogleDataPoint = omitDefaults({
      name,
      dataSource: {
        ...(body.dataSource ?? {}),
        recordingMethod: (body.dataSource?.recordingMethod as string) ?? 'MANUAL',
        platform: 'GOOGLE_WEB_API',
      },
      exercise: {
        ...body.exercise!,
        interval: {
          ...interval,
          civilStartTime: civilObject(
            civilDateTime(new Date(interval.startTime), Number.parseFloat(interval.startUtcOffset)),
          ),
          civilEndTime: civilObject(
            civilDateTime(new Date(interval.endTime), Number.parseFloat(interval.endUtcOffset)),
          ),
        },
        createTime: now,
        updateTime: now,
      },
    });
    account.points.set(id, { point, created: true });
    account.sorted = undefined;
    res.json({
      name: `operations/${randomUUID()}`,
      done: true,
      response: { '@type': 'type.googleapis.com/google.devicesandservices.health.v4.DataPoint', ...point },
    });
  }
}
