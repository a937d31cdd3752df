import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AccountOptions } from '../data/account.js';
import { Faults, faultsSeed, type ErrorBody, type FaultConfig, type RecordKey } from './faults.js';
import { OAuthStore } from './oauth-store.js';
import { RequestStats } from './request-stats.js';
import { Rng } from './rng.js';
import { defaultSettings, type SimSettings } from './settings.js';

export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/** An API endpoint's name (the key of `PUT /_sim/faults`), and how to tell which record a request is about. */
export interface EndpointSpec {
  name: string;
  /** The record a request reads or writes, for `poisonRate` / `poison` (none: poison does not apply). */
  recordKey?: RecordKey;
}

/**
 * What both simulators share: an Express app on its own HTTP server, OAuth state, fault injection,
 * request counting, and the `/_sim/` control API (accounts, faults, config, request counts).
 */
export abstract class SimServer {
  readonly settings: SimSettings;
  readonly oauth: OAuthStore;
  readonly faults: Faults;
  readonly stats = new RequestStats();
  readonly app: Express;
  private server?: Server;
  url = '';

  protected constructor(
    readonly provider: 'google' | 'strava',
    settings: Partial<SimSettings>,
    protected readonly errorBody: ErrorBody,
  ) {
    this.settings = defaultSettings(settings);
    this.oauth = new OAuthStore(provider === 'google' ? 'ya29.' : 'st_');
    this.faults = new Faults(new Rng(faultsSeed(provider)), faultsSeed(provider));
    this.app = express();
    this.app.disable('x-powered-by');
    this.app.set('etag', false);
    this.app.use('/_sim', express.json(), this.controlRouter());
  }

  /** Creates (or recreates) a simulated account and returns its summary. */
  abstract createAccount(options: AccountOptions): unknown;
  /** Everything an account holds, for tests and the demo. */
  abstract accountContents(id: string): unknown;
  abstract accountIds(): string[];
  /** Stores a record exactly as given, unvalidated: how tests plant malformed provider data. */
  abstract insertRaw(accountId: string, record: Record<string, unknown>): unknown;
  /** The simulated account an authenticated request is for (after the endpoint's auth handler). */
  protected abstract accountOf(res: Response): string | undefined;

  /**
   * Counting, base latency, and fault injection for one API endpoint, in that order. Handlers find
   * the endpoint's name in `res.locals.endpoint`. The fault injection runs right before the last
   * handler (after authentication, quotas and body parsers such as multer), so `recordKey` sees the
   * parsed request.
   */
  protected endpoint(spec: string | EndpointSpec, ...handlers: Handler[]): Handler[] {
    const { name, recordKey } = typeof spec === 'string' ? { name: spec, recordKey: undefined } : spec;
    const latency: Handler = (req, res, next) => {
      res.locals.endpoint = name;
      if (this.settings.baseLatencyMs <= 0) return next();
      // a request whose client left during the latency is not served (see Faults.middleware)
      setTimeout(() => (req.socket.destroyed ? undefined : next()), this.settings.baseLatencyMs);
    };
    const wrapped = handlers.map((h): Handler => async (req, res, next) => {
      try {
        await h(req, res, next);
      } catch (error) {
        next(error);
      }
    });
    return [
      this.stats.middleware(name),
      latency,
      ...wrapped.slice(0, -1),
      this.faults.middleware(name, this.errorBody, recordKey, (res) => this.accountOf(res)),
      wrapped.at(-1)!,
    ];
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.app.use((req: Request, res: Response) => void res.status(404).json(this.errorBody(404, 'error')));
    this.app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const status = (error as { status?: number }).status ?? 500;
      if (!res.headersSent)
        res.status(status >= 400 && status < 600 ? status : 500).json(this.errorBody(status, 'error'));
    });
    this.server = createServer(this.app);
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private controlRouter() {
    const router = express.Router();
    router.get('/health', (_req, res) => void res.json({ status: 'ok', provider: this.provider }));
    router.get('/config', (_req, res) => void res.json(this.settings));
    router.put('/config', (req, res) => {
      const body = req.body as Partial<SimSettings>;
      for (const key of [
        'timeScale',
        'accessTokenLifetimeSeconds',
        'baseLatencyMs',
        'uploadProcessingMs',
      ] as const) {
        if (body[key] !== undefined && (typeof body[key] !== 'number' || body[key]! < 0)) {
          return void res.status(400).json({ error: `${key} must be a non-negative number` });
        }
      }
      Object.assign(this.settings, body);
      res.json(this.settings);
    });
    router.get('/faults', (_req, res) => void res.json(this.faults.list()));
    router.put('/faults', (req, res) => {
      const body = req.body as Record<string, FaultConfig>;
      for (const [endpoint, config] of Object.entries(body)) {
        const problem = poisonProblem(config);
        if (problem) return void res.status(400).json({ error: `${endpoint}: ${problem}` });
      }
      for (const [endpoint, config] of Object.entries(body)) this.faults.set(endpoint, config);
      res.json(this.faults.list());
    });
    router.delete('/faults', (_req, res) => {
      this.faults.clear();
      res.status(204).end();
    });
    router.get('/requests', (_req, res) => void res.json(this.stats.snapshot()));
    router.get('/requests/poisoned', (_req, res) => void res.json({ hits: this.faults.poisonHits() }));
    router.delete('/requests', (_req, res) => {
      this.stats.reset();
      this.faults.resetHits();
      res.status(204).end();
    });
    router.post('/clients', (req, res) => {
      const { clientId, clientSecret } = req.body as { clientId?: string; clientSecret?: string };
      if (!clientId || !clientSecret)
        return void res.status(400).json({ error: 'clientId and clientSecret are required' });
      this.oauth.clients.set(clientId, clientSecret);
      res.status(201).json({ clientId });
    });
    router.get('/accounts', (_req, res) => void res.json({ accounts: this.accountIds() }));
    router.post('/accounts', (req, res) => {
      const body = req.body as AccountOptions & { historyEnd?: string };
      if (typeof body.id !== 'string' || !/^[\w.@-]{1,64}$/.test(body.id)) {
        return void res.status(400).json({ error: 'id must be 1-64 characters of letters, digits, . @ _ -' });
      }
      const options: AccountOptions = {
        ...body,
        historyEnd: body.historyEnd ? new Date(body.historyEnd) : undefined,
      };
      res.status(201).json(this.createAccount(options));
    });
    router.get('/accounts/:id', (req, res) => {
      const contents = this.accountContents(req.params.id);
      if (!contents) return void res.status(404).json({ error: 'no such account' });
      res.json(contents);
    });
    router.post('/accounts/:id/raw', (req, res) => {
      if (!this.accountIds().includes(req.params.id))
        return void res.status(404).json({ error: 'no such account' });
      res.status(201).json(this.insertRaw(req.params.id, req.body as Record<string, unknown>));
    });
    router.post('/accounts/:id/revoke', (req, res) => {
      this.oauth.revoke(req.params.id);
      res.status(204).end();
    });
    router.post(
      '/accounts/:id/expire-tokens',
      (req, res) => void res.json({ expired: this.oauth.expireAccessTokens(req.params.id) }),
    );
    return router;
  }
}

/** What is wrong with a fault config's poison fields, if anything. */
function poisonProblem(config: FaultConfig): string | undefined {
  const { poisonRate, poison, poisonStatus } = config ?? {};
  if (poisonRate !== undefined && !(typeof poisonRate === 'number' && poisonRate >= 0 && poisonRate <= 1))
    return 'poisonRate must be a number from 0 to 1';
  if (poison !== undefined && !(Array.isArray(poison) && poison.every((k) => typeof k === 'string')))
    return 'poison must be an array of record keys (strings)';
  if (
    poisonStatus !== undefined &&
    !(Number.isInteger(poisonStatus) && poisonStatus >= 400 && poisonStatus <= 599)
  )
    return 'poisonStatus must be an HTTP status from 400 to 599';
  return undefined;
}
