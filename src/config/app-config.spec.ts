import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config.js';

describe('configuration', () => {
  const made: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncwell-config-'));
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true }); // generated secrets
  });

  it('has working defaults with no environment at all (embedded database, generated local secrets)', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.role).toEqual({ name: 'all', api: true, worker: true });
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.auth.jwtSecret).toBe(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim());
    expect(config.tokenEncryptionKey).toHaveLength(32);
    expect(loadConfig({ DATA_DIR: dir }).auth.jwtSecret).toBe(config.auth.jwtSecret); // kept across restarts
    expect(config.simulators.mode).toBe('on');
    expect(config.push.driver).toBe('log');
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        ROLE: 'boss',
        JWT_SECRET: 'short',
        DATABASE_URL: 'mysql://db',
        FITBIT_CLIENT_ID: 'only-the-id',
        DATA_DIR: dataDir(),
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const variable of ['PORT', 'ROLE', 'JWT_SECRET', 'DATABASE_URL', 'FITBIT_CLIENT_SECRET'])
        expect(problems).toContain(variable);
    }
  });

  it('requires real secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir() })).toThrow(
      /JWT_SECRET is required[\s\S]*TOKEN_ENCRYPTION_KEY is required/,
    );
  });

  it('splits the roles', () => {
    expect(loadConfig({ ROLE: 'api', DATA_DIR: dataDir() }).role).toEqual({
      name: 'api',
      api: true,
      worker: false,
    });
    expect(loadConfig({ ROLE: 'worker', DATA_DIR: dataDir() }).role).toEqual({
      name: 'worker',
      api: false,
      worker: true,
    });
  });

  it('reads the security settings: redirect allowlist, token rules, rate limits, caps', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      OAUTH_REDIRECT_URIS: ' https://app.example/cb , syncwell://oauth ',
      OAUTH_ALLOW_LOOPBACK_REDIRECTS: 'false',
      JWT_ISSUER: 'https://auth.example',
      RATE_LIMIT_ENABLED: 'no',
      RATE_LIMIT_USER_REQUESTS: '7',
    });
    expect(config.oauth).toEqual({
      redirectUris: ['https://app.example/cb', 'syncwell://oauth'],
      allowLoopbackRedirects: false,
      stateTtlSeconds: 900,
    });
    expect(config.auth).toMatchObject({ issuer: 'https://auth.example', maxLifetimeSeconds: 86400 });
    expect(config.rateLimit).toMatchObject({ enabled: false, user: { points: 7, windowSeconds: 60 } });
    expect(config.limits).toEqual({ devicesPerUser: 10, activeHistoricalSyncsPerUser: 3 });
    expect(() =>
      loadConfig({ DATA_DIR: dataDir(), OAUTH_REDIRECT_URIS: 'not a url', OAUTH_STATE_TTL_SECONDS: '60' }),
    ).toThrow(
      /OAUTH_REDIRECT_URIS[\s\S]*OAUTH_STATE_TTL_SECONDS|OAUTH_STATE_TTL_SECONDS[\s\S]*OAUTH_REDIRECT_URIS/,
    );
  });
});
