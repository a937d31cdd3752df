import { HEALTH_WINDOW_MS, ProviderHealth, verdict } from './provider-health.js';

describe('outage or bad record: the rule', () => {
  const e = (seen: number, answered: number) => ({ seen, answered });
  it.each([
    // [case, same endpoint's evidence, the provider's, verdict]
    ['nothing else sent lately', e(0, 0), e(0, 0), 'unknown'],
    ['every other export answered: this record is the problem', e(9, 9), e(12, 12), 'up'],
    ['most other exports answered (a flaky provider)', e(10, 7), e(14, 11), 'up'],
    ['every other upload failed too: the upload endpoint is down', e(5, 0), e(8, 3), 'down'],
    ['half of the other requests failed: down (ties are outages)', e(4, 2), e(4, 2), 'down'],
    ['no other export lately, but the list answered', e(0, 0), e(1, 1), 'up'],
    ['no other export lately, and the list failed', e(0, 0), e(2, 0), 'down'],
    ['two other exports answered outweigh a failing list', e(2, 2), e(3, 2), 'up'],
    ['one other upload failing (another bad record) does not make the endpoint down', e(1, 0), e(4, 3), 'up'],
    ['one other upload, answered, while the provider mostly fails: down', e(1, 1), e(5, 1), 'down'],
  ] as const)('%s -> %s', (_name, endpoint, provider, expected) => {
    expect(verdict(endpoint, provider)).toBe(expected);
  });
});

describe('ProviderHealth: the evidence it keeps', () => {
  const t0 = 1_000_000;

  it('judges a request by the others of its endpoint, each by its latest outcome', () => {
    const health = new ProviderHealth();
    health.record('fitbit', 'GET /list', 'page1', true, t0);
    for (let i = 0; i < 3; i++) health.record('fitbit', 'GET /export', `ok${i}`, true, t0);
    // the poisoned export failed many times: one request, one vote, and not its own judge
    for (let i = 0; i < 10; i++) health.record('fitbit', 'GET /export', 'poison', false, t0 + i);
    expect(health.verdict('fitbit', 'GET /export', 'poison', t0, t0 + 20)).toBe('up');
    // another record judged while the poisoned one fails: 3 of 4 answered
    expect(health.verdict('fitbit', 'GET /export', 'other', t0, t0 + 20)).toBe('up');
  });

  it('calls a whole outage down, and forgets evidence older than the window', () => {
    const health = new ProviderHealth();
    for (let i = 0; i < 4; i++) health.record('strava', 'POST /uploads', `u${i}`, true, t0);
    for (let i = 0; i < 4; i++) health.record('strava', 'POST /uploads', `u${i}`, false, t0 + 1000);
    expect(health.verdict('strava', 'POST /uploads', 'u9', t0, t0 + 2000)).toBe('down');
    const late = t0 + 1000 + HEALTH_WINDOW_MS + 1;
    expect(health.verdict('strava', 'POST /uploads', 'u9', t0, late)).toBe('unknown');
  });

  it('counts only what happened since the judged request began failing (answers from before an outage do not count)', () => {
    const health = new ProviderHealth();
    for (let i = 0; i < 5; i++) health.record('fitbit', 'GET /export', `before${i}`, true, t0);
    health.record('fitbit', 'GET /list', 'page', false, t0 + 500);
    expect(health.verdict('fitbit', 'GET /list', 'page', t0 + 500, t0 + 900)).toBe('unknown');
    health.record('fitbit', 'GET /export', 'during', false, t0 + 700);
    expect(health.verdict('fitbit', 'GET /list', 'page', t0 + 500, t0 + 900)).toBe('down');
  });

  it('keeps providers apart and falls back to the provider when the endpoint has no other request', () => {
    const health = new ProviderHealth();
    health.record('strava', 'GET /athlete/activities', 'list', true, t0);
    health.record('fitbit', 'GET /list', 'list', false, t0);
    expect(health.verdict('strava', 'POST /uploads', 'only-upload', t0, t0)).toBe('up');
    expect(health.verdict('fitbit', 'POST /dataPoints', 'only-write', t0, t0)).toBe('down');
    expect(health.verdict('google', 'GET /x', 'k', t0, t0)).toBe('unknown');
  });

  it('remembers a request judged a record fault until it is answered (one try per call meanwhile)', () => {
    const health = new ProviderHealth();
    health.markFaulted('strava', 'POST /uploads', 'POST /uploads?#k1', t0);
    expect(health.recentlyFaulted('strava', 'POST /uploads?#k1', t0 + 1000)).toBe(true);
    expect(health.recentlyFaulted('strava', 'POST /uploads?#k2', t0 + 1000)).toBe(false);
    expect(health.recentlyFaulted('fitbit', 'POST /uploads?#k1', t0 + 1000)).toBe(false);
    expect(health.recentlyFaulted('strava', 'POST /uploads?#k1', t0 + 11 * 60_000)).toBe(false);
    health.record('strava', 'POST /uploads', 'POST /uploads?#k1', true, t0 + 2000);
    expect(health.recentlyFaulted('strava', 'POST /uploads?#k1', t0 + 3000)).toBe(false);
  });

  it('calls an endpoint down when two other requests of it were record faults and nothing of it was answered since', () => {
    const health = new ProviderHealth();
    health.record('fitbit', 'GET /list', 'page', true, t0); // the provider answers lists
    health.record('fitbit', 'GET /export', 'r1', false, t0 + 100);
    health.markFaulted('fitbit', 'GET /export', 'r1', t0 + 100);
    health.record('fitbit', 'GET /identity', 'probe', true, t0 + 250); // r2's probe is answered
    expect(health.verdict('fitbit', 'GET /export', 'r2', t0 + 200, t0 + 300)).toBe('up'); // one: a record
    health.record('fitbit', 'GET /export', 'r2', false, t0 + 300);
    health.markFaulted('fitbit', 'GET /export', 'r2', t0 + 300);
    expect(health.verdict('fitbit', 'GET /export', 'r3', t0 + 400, t0 + 500)).toBe('down');
    // ... unless one of its requests was answered since: then they are bad records
    health.record('fitbit', 'GET /export', 'ok', true, t0 + 350);
    expect(health.verdict('fitbit', 'GET /export', 'r3', t0 + 400, t0 + 500)).not.toBe('down');
    // and record faults of long ago say nothing
    expect(health.verdict('fitbit', 'GET /export', 'r4', t0 + 40_000, t0 + 40_000)).not.toBe('down');
  });
});
