import express, { type Request, type Response } from 'express';
import multer from 'multer';
import { zonedTimeToUtc } from '../../common/time-zone.js';
import { generateAccount, type AccountOptions, type SimAccountData } from '../data/account.js';
import { generateTrack } from '../data/track.js';
import { hashSeed } from '../common/rng.js';
import { scaledMs, type SimSettings } from '../common/settings.js';
import { SimServer, type Handler } from '../common/sim-server.js';
import {
  KNOWN_SPORT_TYPES,
  STREAM_KEYS,
  activityJson,
  fromSession,
  streamsJson,
  type StravaActivityRecord,
  type StreamKey,
} from './strava-data.js';
import { StravaQuota } from './strava-quota.js';
import { DATA_TYPES, parseUpload, UploadError, type ParsedActivity } from './upload-parser.js';
import { UploadQueue, type UploadRecord } from './upload-queue.js';

export const stravaError = (status: number, detail?: { resource: string; field: string; code: string }) => {
  const message: Record<number, string> = {
    400: 'Bad Request',
    401: 'Authorization Error',
    403: 'Forbidden',
    404: 'Record Not Found',
    429: 'Rate Limit Exceeded',
    500: 'Error',
    503: 'Service Unavailable',
  };
  const errors =
    detail ??
    (status === 401
      ? { resource: 'Athlete', field: 'access_token', code: 'invalid' }
      : status === 404
        ? { resource: 'resource', field: 'path', code: 'invalid' }
        : status === 429
          ? { resource: 'Application', field: 'rate limit', code: 'exceeded' }
          : undefined);
  return { message: message[status] ?? 'Error', errors: errors ? [errors] : [] };
};

/** The first of `fields` the request's body (form or JSON) carries as a non-empty value, as a string. */
function formField(req: Request, ...fields: string[]): string | undefined {
  const body = (req.body ?? {}) as Record<string, unknown>;
  for (const field of fields) {
    const value = body[field];
    if (value !== undefined && value !== null && value !== '') return String(value);
  }
  return undefined;
}

const COUNTRIES: Record<string, string> = {
  Berlin: 'Germany',
  'New York': 'United States',
  'San Francisco': 'United States',
  Tokyo: 'Japan',
  Sydney: 'Australia',
  Bengaluru: 'India',
  'São Paulo': 'Brazil',
  London: 'United Kingdom',
};

export interface StravaAthlete {
  data: SimAccountData;
  athleteId: number;
  activities: Map<number, StravaActivityRecord>;
}

interface Locals {
  athlete: StravaAthlete;
  scopes: string[];
  clientId: string;
}

/**
 * The Strava API v3 subset the product uses: OAuth with 6-hour tokens and rotating refresh tokens,
 * activities and streams, asynchronous uploads with duplicate detection, manual activities, and
 * the per-application 15-minute and daily limits with their headers.
 */
export class StravaSimulator extends SimServer {
  private readonly athletes = new Map<string, StravaAthlete>();
  private readonly byAthleteId = new Map<number, StravaAthlete>();
  readonly quota: StravaQuota;
  readonly uploads: UploadQueue;
  private nextActivityId = 14_000_000_000;

  constructor(settings: Partial<SimSettings> = {}) {
    super('strava', settings, (status) => stravaError(status));
    this.quota = new StravaQuota(this.settings);
    this.uploads = new UploadQueue(this.settings, (athleteId, parsed, upload) =>
      this.finishUpload(athleteId, parsed, upload),
    );
    const form = express.urlencoded({ extended: false });
    const json = express.json({ limit: '1mb' });
    const file = multer({ storage: multer.memoryStorage(), limits: { fileSize: 25 * 1024 * 1024 } }).single(
      'file',
    );
    this.app.get(
      '/oauth/authorize',
      ...this.endpoint('oauth.authorize', (req, res) => this.authorize(req, res)),
    );
    // '/api/v3/oauth/token' is the path Strava's refresh documentation names; both work
    this.app.post(
      ['/oauth/token', '/api/v3/oauth/token'],
      form,
      json,
      ...this.endpoint('oauth.token', (req, res) => this.token(req, res)),
    );
    const api = '/api/v3';
    this.app.get(
      `${api}/athlete`,
      ...this.endpoint('athlete.get', this.auth('read'), this.limit(true), (_req, res) =>
        this.athleteJson(res),
      ),
    );
    this.app.get(
      `${api}/athlete/activities`,
      ...this.endpoint('activities.list', this.auth('activity:read_all'), this.limit(true), (req, res) =>
        this.list(req, res),
      ),
    );
    this.app.get(
      `${api}/activities/:id`,
      ...this.endpoint(
        { name: 'activities.get', recordKey: (req) => String(req.params.id) },
        this.auth('activity:read_all'),
        this.limit(true),
        (req, res) => this.get(req, res),
      ),
    );
    this.app.get(
      `${api}/activities/:id/streams`,
      ...this.endpoint(
        { name: 'streams.get', recordKey: (req) => String(req.params.id) },
        this.auth('activity:read_all'),
        this.limit(true),
        (req, res) => this.streams(req, res),
      ),
    );
    this.app.post(
      `${api}/activities`,
      form,
      json,
      ...this.endpoint(
        // a manual activity's identity: its external_id when sent, else its local start time
        { name: 'activities.create', recordKey: (req) => formField(req, 'external_id', 'start_date_local') },
        this.auth('activity:write'),
        this.limit(false),
        (req, res) => this.createActivity(req, res),
      ),
    );
    this.app.post(
      `${api}/uploads`,
      ...this.endpoint(
        // the external_id form field (multer has parsed the form by then), else the file's name as Strava uses it
        {
          name: 'uploads.create',
          recordKey: (req) => formField(req, 'external_id') ?? (req.file?.originalname || undefined),
        },
        this.auth('activity:write'),
        this.limit(false),
        file,
        (req, res) => this.upload(req, res),
      ),
    );
    this.app.get(
      `${api}/uploads/:id`,
      ...this.endpoint('uploads.get', this.auth('activity:write'), this.limit(true), (req, res) =>
        this.uploadStatus(req, res),
      ),
    );
  }

  createAccount(options: AccountOptions) {
    const data = generateAccount(options);
    const athleteId = 100_000 + (hashSeed('athlete', data.seed) % 90_000_000);
    const athlete: StravaAthlete = { data, athleteId, activities: new Map() };
    data.sessions.forEach((s, i) => {
      const id = 10_000_000_000 + (hashSeed('activity', data.seed) % 1_000_000) * 1000 + i;
      athlete.activities.set(
        id,
        fromSession(id, athleteId, s, data.timezone, () => generateTrack(s, data.home)),
      );
    });
    this.athletes.set(data.id, athlete);
    this.byAthleteId.set(athleteId, athlete);
    return this.summary(athlete);
  }

  accountIds(): string[] {
    return [...this.athletes.keys()];
  }

  protected accountOf(res: Response): string | undefined {
    return (res.locals.sim as Locals | undefined)?.athlete.data.id;
  }

  /** A summary activity exactly as given (`id` and `start_date` at least); it has no streams. */
  insertRaw(accountId: string, record: Record<string, unknown>) {
    const athlete = this.athletes.get(accountId)!;
    const id = Number(record.id ?? this.nextActivityId++);
    const base = fromSession(
      id,
      athlete.athleteId,
      athlete.data.sessions[0] ?? generateAccount({ id: 'x', historyDays: 30 }).sessions[0],
      athlete.data.timezone,
      () => [],
    );
    const activity: StravaActivityRecord = {
      ...base,
      externalId: null,
      start: new Date(String(record.start_date ?? base.start.toISOString())),
      raw: record,
    };
    athlete.activities.set(id, activity);
    return activityJson(activity);
  }

  accountContents(id: string) {
    const athlete = this.athletes.get(id);
    if (!athlete) return undefined;
    const activities = [...athlete.activities.values()]
      .sort((a, b) => a.start.getTime() - b.start.getTime())
      .map((a) => activityJson(a, true));
    return { ...this.summary(athlete), activities, uploads: this.uploads.forAthlete(athlete.athleteId) };
  }

  private summary(a: StravaAthlete) {
    return {
      id: a.data.id,
      provider: 'strava',
      athleteId: a.athleteId,
      seed: a.data.seed,
      timezone: a.data.timezone,
      activities: a.activities.size,
    };
  }

  private athlete(id: string): StravaAthlete {
    if (!this.athletes.has(id)) this.createAccount({ id });
    return this.athletes.get(id)!;
  }

  private athleteBody(a: StravaAthlete) {
    return {
      id: a.athleteId,
      username: a.data.id,
      resource_state: 2,
      firstname: a.data.id.charAt(0).toUpperCase() + a.data.id.slice(1),
      lastname: 'Simulated',
      city: a.data.home.city,
      country: COUNTRIES[a.data.home.city] ?? 'United States',
      sex: hashSeed('sex', a.data.seed) % 2 === 0 ? 'F' : 'M',
      premium: false,
      summit: false,
      created_at: a.data.historyStart.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      updated_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  }

  private authorize(req: Request, res: Response) {
    const q = req.query as Record<string, string | undefined>;
    if (!q.client_id || !(this.oauth.clients.has(q.client_id) || this.settings.acceptAnyClient)) {
      return void res
        .status(400)
        .json(stravaError(400, { resource: 'Application', field: 'client_id', code: 'invalid' }));
    }
    if (!q.redirect_uri || q.response_type !== 'code') {
      return void res
        .status(400)
        .json(stravaError(400, { resource: 'Application', field: 'redirect_uri', code: 'invalid' }));
    }
    const accountId = q.login_hint?.trim() || 'alice';
    this.athlete(accountId);
    const scope = q.scope ?? 'read';
    const code = this.oauth.issueCode({ accountId, clientId: q.client_id, scope }, q.redirect_uri);
    const target = new URL(q.redirect_uri);
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    target.searchParams.set('code', code);
    target.searchParams.set('scope', scope);
    res.redirect(302, target.toString());
  }

  private token(req: Request, res: Response) {
    // Strava reads the parameters from the query string too (strava-v3 and others send them there)
    const body = {
      ...(req.query as Record<string, string | undefined>),
      ...((req.body ?? {}) as Record<string, string | undefined>),
    };
    if (!this.oauth.checkClient(body.client_id, body.client_secret, this.settings.acceptAnyClient)) {
      return void res
        .status(401)
        .json(stravaError(401, { resource: 'Application', field: 'client_id', code: 'invalid' }));
    }
    const lifetime =
      this.settings.accessTokenLifetimeSeconds !== undefined
        ? this.settings.accessTokenLifetimeSeconds * 1000
        : scaledMs(this.settings, 21_600);
    if (body.grant_type === 'authorization_code') {
      const grant = body.code ? this.oauth.redeemCode(body.code, body.client_id!, undefined) : undefined;
      if (!grant)
        return void res
          .status(400)
          .json(stravaError(400, { resource: 'AuthorizationCode', field: 'code', code: 'invalid' }));
      const issued = this.oauth.issueTokens(grant, lifetime);
      return void res.json({
        ...this.tokenBody(issued),
        athlete: this.athleteBody(this.athletes.get(grant.accountId)!),
      });
    }
    if (body.grant_type === 'refresh_token') {
      const issued = body.refresh_token
        ? this.oauth.useRefreshToken(body.refresh_token, body.client_id!, lifetime, true)
        : undefined;
      if (!issued)
        return void res
          .status(400)
          .json(stravaError(400, { resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }));
      return void res.json(this.tokenBody(issued));
    }
    res
      .status(400)
      .json(stravaError(400, { resource: 'RefreshToken', field: 'grant_type', code: 'invalid' }));
  }

  private tokenBody(issued: { accessToken: string; refreshToken: string; expiresAt: number }) {
    return {
      token_type: 'Bearer',
      access_token: issued.accessToken,
      expires_at: Math.floor(issued.expiresAt / 1000),
      expires_in: Math.max(1, Math.round((issued.expiresAt - Date.now()) / 1000)),
      refresh_token: issued.refreshToken,
    };
  }

  private auth(scope: string): Handler {
    return (req, res, next) => {
      const result = this.oauth.authenticate(req.headers.authorization);
      if (!result.ok) return void res.status(401).json(stravaError(401));
      const scopes = result.grant.scope.split(/[,\s]+/);
      const granted =
        scopes.includes(scope) ||
        (scope === 'activity:read_all' && scopes.includes('activity:read')) ||
        (scope === 'read' && (scopes.includes('read_all') || scopes.includes('profile:read_all')));
      if (!granted) {
        return void res.status(401).json(
          stravaError(401, {
            resource: 'AccessToken',
            field: `${scope.replace(':read_all', ':read')}_permission`,
            code: 'missing',
          }),
        );
      }
      res.locals.sim = {
        athlete: this.athletes.get(result.grant.accountId)!,
        scopes,
        clientId: result.grant.clientId,
      } satisfies Locals;
      next();
    };
  }

  private limit(isRead: boolean): Handler {
    return (_req, res, next) => {
      const { clientId } = res.locals.sim as Locals;
      if (this.quota.take(clientId, isRead, res)) return next();
      res.status(429).json(stravaError(429));
    };
  }

  private athleteJson(res: Response) {
    res.json(this.athleteBody((res.locals.sim as Locals).athlete));
  }

  private list(req: Request, res: Response) {
    const { athlete } = res.locals.sim as Locals;
    const q = req.query as Record<string, string | undefined>;
    const int = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
    const [before, after, page, perPage] = [
      int(q.before),
      int(q.after),
      int(q.page) ?? 1,
      int(q.per_page) ?? 30,
    ];
    if (
      [before, after, page, perPage].some((v) => v !== undefined && (!Number.isInteger(v) || v < 0)) ||
      page < 1 ||
      perPage < 1
    ) {
      return void res
        .status(400)
        .json(stravaError(400, { resource: 'Activity', field: 'page', code: 'invalid' }));
    }
    const size = Math.min(perPage, 200);
    const items = [...athlete.activities.values()]
      .filter(
        (a) =>
          (after === undefined || a.start.getTime() / 1000 > after) &&
          (before === undefined || a.start.getTime() / 1000 < before),
      )
      .sort(
        (a, b) =>
          (after !== undefined
            ? a.start.getTime() - b.start.getTime()
            : b.start.getTime() - a.start.getTime()) || a.id - b.id,
      );
    res.json(items.slice((page - 1) * size, page * size).map((a) => activityJson(a)));
  }

  private find(req: Request, res: Response): StravaActivityRecord | undefined {
    const { athlete } = res.locals.sim as Locals;
    const activity = athlete.activities.get(Number(req.params.id));
    if (!activity)
      res.status(404).json(stravaError(404, { resource: 'Activity', field: 'id', code: 'invalid' }));
    return activity;
  }

  private get(req: Request, res: Response) {
    const activity = this.find(req, res);
    if (activity) res.json(activityJson(activity, true));
  }

  private streams(req: Request, res: Response) {
    const activity = this.find(req, res);
    if (!activity) return;
    const keys = String(req.query.keys ?? 'time,distance')
      .split(',')
      .filter((k): k is StreamKey => (STREAM_KEYS as readonly string[]).includes(k));
    res.json(streamsJson(activity, keys, req.query.key_by_type === 'true'));
  }

  private createActivity(req: Request, res: Response) {
    const { athlete } = res.locals.sim as Locals;
    const b = (req.body ?? {}) as Record<string, string | number | boolean | undefined>;
    const sportType = String(b.sport_type ?? b.type ?? '');
    // local wall-clock time; an explicit offset (+01:00) pins the instant, otherwise the athlete's time zone does
    const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:Z|([+-])(\d{2}):(\d{2}))?$/.exec(
      String(b.start_date_local ?? ''),
    );
    const elapsed = Number(b.elapsed_time);
    const missing = !b.name
      ? 'name'
      : !KNOWN_SPORT_TYPES.includes(sportType)
        ? 'sport_type'
        : !local
          ? 'start_date_local'
          : !(elapsed > 0)
            ? 'elapsed_time'
            : undefined;
    if (missing)
      return void res.status(400).json(
        stravaError(400, {
          resource: 'Activity',
          field: missing,
          code: missing === 'name' ? 'missing' : 'invalid',
        }),
      );
    const [y, m, d, h, min, s] = local!.slice(1, 7).map(Number);
    const offset = local![7]
      ? (local![7] === '-' ? -1 : 1) * (Number(local![8]) * 3600 + Number(local![9]) * 60)
      : undefined;
    const activity: StravaActivityRecord = {
      id: this.nextActivityId++,
      athleteId: athlete.athleteId,
      externalId: null,
      uploadId: null,
      name: String(b.name),
      sportType,
      start:
        offset === undefined
          ? zonedTimeToUtc(athlete.data.timezone, { y, m, d, h, min, s })
          : new Date(Date.UTC(y, m - 1, d, h, min, s) - offset * 1000),
      timezone: athlete.data.timezone,
      elapsedSeconds: Math.round(elapsed),
      movingSeconds: Math.round(elapsed),
      distanceMeters: Number(b.distance ?? 0),
      elevationGainMeters: 0,
      calories: 0,
      trainer: b.trainer === true || b.trainer === 1 || b.trainer === '1' || b.trainer === 'true',
      commute: b.commute === true || b.commute === 1 || b.commute === '1' || b.commute === 'true',
      manual: true,
      description: b.description === undefined ? null : String(b.description),
      deviceName: null,
      track: () => [],
    };
    athlete.activities.set(activity.id, activity);
    res.status(201).json(activityJson(activity, true));
  }

  private upload(req: Request, res: Response) {
    const { athlete } = res.locals.sim as Locals;
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    const dataType = b.data_type ?? '';
    if (!req.file)
      return void res
        .status(400)
        .json(stravaError(400, { resource: 'Upload', field: 'file', code: 'missing' }));
    if (!(DATA_TYPES as readonly string[]).includes(dataType)) {
      return void res
        .status(400)
        .json(stravaError(400, { resource: 'Upload', field: 'data_type', code: 'invalid' }));
    }
    let parsed;
    let error: string | undefined;
    try {
      parsed = parseUpload(dataType, req.file.buffer);
    } catch (e) {
      if (!(e instanceof UploadError)) throw e;
      error = e.message;
    }
    const upload = this.uploads.create(athlete.athleteId, {
      externalId: b.external_id || req.file.originalname || `upload.${dataType}`,
      name: b.name,
      description: b.description,
      trainer: b.trainer === '1' || b.trainer === 'true',
      commute: b.commute === '1' || b.commute === 'true',
      fileName: req.file.originalname || `upload.${dataType}`,
      parsed,
      error,
    });
    res.status(201).json(this.uploads.json(upload));
  }

  private uploadStatus(req: Request, res: Response) {
    const { athlete } = res.locals.sim as Locals;
    const upload = this.uploads.get(Number(req.params.id));
    if (!upload || upload.athleteId !== athlete.athleteId) {
      return void res
        .status(404)
        .json(stravaError(404, { resource: 'Upload', field: 'id', code: 'invalid' }));
    }
    res.json(this.uploads.json(upload));
  }

  /** Processing done: a duplicate (same external_id, or same start time) or a new activity. */
  private finishUpload(athleteId: number, parsed: ParsedActivity, upload: UploadRecord) {
    const athlete = this.byAthleteId.get(athleteId)!;
    const existing = [...athlete.activities.values()];
    const byExternal = existing.find((a) => a.externalId === upload.externalId);
    if (byExternal) return { error: `${upload.externalId} duplicate of activity ${byExternal.id}` };
    const sameStart = existing.find(
      (a) => !a.manual && Math.abs(a.start.getTime() - parsed.start.getTime()) < 1000,
    );
    if (sameStart) return { error: `${upload.fileName} duplicate of activity ${sameStart.id}` };
    const id = this.nextActivityId++;
    const hour = Number(
      new Intl.DateTimeFormat('en-US', {
        timeZone: athlete.data.timezone,
        hour: 'numeric',
        hourCycle: 'h23',
      }).format(parsed.start),
    );
    const part = hour < 12 ? 'Morning' : hour < 17 ? 'Afternoon' : hour < 21 ? 'Evening' : 'Night';
    const points = parsed.points;
    athlete.activities.set(id, {
      id,
      athleteId,
      externalId: upload.externalId,
      uploadId: upload.id,
      name: upload.name ?? `${part} ${parsed.sportType}`,
      sportType: parsed.sportType,
      start: parsed.start,
      timezone: athlete.data.timezone,
      elapsedSeconds: parsed.elapsedSeconds,
      movingSeconds: parsed.movingSeconds,
      distanceMeters: parsed.distanceMeters,
      elevationGainMeters: 0,
      calories: parsed.calories,
      averageHr: parsed.averageHr,
      maxHr: parsed.maxHr,
      trainer: upload.trainer || parsed.trainer,
      commute: upload.commute,
      manual: false,
      description: upload.description ?? null,
      deviceName: parsed.deviceName,
      track: () => points,
    });
    return { activityId: id };
  }
}
