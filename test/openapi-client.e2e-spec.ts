import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import createClient, { type Middleware } from 'openapi-fetch';
import request from 'supertest';
import type { components, paths } from './generated/api.js';
import { API_TYPES, apiTypesOf } from './support/api-types.js';
import { validatorFor } from './support/openapi-responses.js';
import { createSimAccount, REDIRECT, startProviderStack, type ProviderStack } from './support/providers.js';

const DONE = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

/**
 * The API as a mobile team meets it: a typed client generated from /docs/openapi.json
 * (openapi-typescript → test/generated/api.d.ts, `npm run gen:api-client`) driven with openapi-fetch
 * through one whole sync, every answer checked against the document too.
 */
describe('a client generated from the OpenAPI document', () => {
  let stack: ProviderStack;
  let document: any;
  let baseUrl: string;

  beforeAll(async () => {
    stack = await startProviderStack();
    await stack.t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.t.http.address() as AddressInfo).port}`;
    document = (await request(stack.t.http).get('/docs/openapi.json').expect(200)).body;
  });
  afterAll(() => stack.close());

  it('is generated from the document the service serves (test/generated/api.d.ts is up to date)', async () => {
    const committed = readFileSync(API_TYPES, 'utf8');
    // a stale file: run `npm run gen:api-client` and commit test/generated/api.d.ts
    expect(await apiTypesOf(document)).toBe(committed);
  });

  /** Fails a call whose answer the document does not describe (status, content type, body, headers). */
  const conforming = (): Middleware => {
    const validator = validatorFor(document);
    return {
      async onResponse({ request: req, response }) {
        const text = await response.clone().text();
        const json = /[/+]json\b/.test(response.headers.get('content-type') ?? '') && text !== '';
        const problems = validator.check({
          method: req.method,
          url: req.url,
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: json ? JSON.parse(text) : undefined,
          text,
        });
        if (problems.length > 0) throw new Error(`Not as documented:\n  ${problems.join('\n  ')}`);
      },
    };
  };
  const clientAs = (token: string) => {
    const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
    client.use(conforming());
    return client;
  };

  it('connects two providers, runs a historical sync to the end, and reads its chunks and records', async () => {
    const { sims, t } = stack;
    await createSimAccount(sims, 'fitbit', {
      id: 'mia-fitbit',
      seed: 'mia',
      historyDays: 90,
      timezone: 'Europe/Berlin',
    });
    await createSimAccount(sims, 'strava', { id: 'mia-strava', seed: 'mia-strava', historyDays: 0 });
    const admin = clientAs(t.token('billing', ['admin']));
    const api = clientAs(t.token('mia'));

    // the billing system grants Pro; the app reads the tier
    const granted = await admin.PUT('/v1/admin/users/{userId}/entitlement', {
      params: { path: { userId: 'mia' } },
      body: { tier: 'PRO' },
    });
    expect(granted.data).toEqual({ tier: 'PRO', expiresAt: null });
    expect((await api.GET('/v1/me/entitlement')).data?.tier).toBe('PRO');

    // consent at each provider through the server-issued authorize URL, then connect
    const consent = async (provider: 'fitbit' | 'strava', loginHint: string) => {
      const { data, error } = await api.GET('/v1/connections/authorize-url', {
        params: { query: { provider, redirectUri: REDIRECT, loginHint } },
      });
      if (!data) throw new Error(`authorize-url: ${JSON.stringify(error)}`);
      const redirect = await fetch(data.url, { redirect: 'manual' }); // the provider's consent screen
      const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
      return { provider, authorizationCode: code, redirectUri: REDIRECT, state: data.state };
    };
    const connected = await api.POST('/v1/connections', {
      body: {
        source: await consent('fitbit', 'mia-fitbit'),
        destination: await consent('strava', 'mia-strava'),
        timezone: 'Europe/Berlin',
      },
    });
    expect(connected.response.status).toBe(201);
    const connection = connected.data!;
    expect(connection).toMatchObject({ status: 'ACTIVE', source: { provider: 'fitbit' } });
    const connectionId = connection.id;

    const untilDone = async (id: string) => {
      for (const deadline = Date.now() + 180_000; Date.now() < deadline;) {
        const { data } = await api.GET('/v1/orchestrations/{id}/status', { params: { path: { id } } });
        if (data && DONE.includes(data.status)) return data;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`orchestration ${id} did not finish`);
    };
    expect((await untilDone(connection.initialSync!.orchestrationId)).status).toBe('COMPLETED');

    // what the app shows before the user confirms, then the sync itself
    const estimate = await api.GET('/v1/connections/{connectionId}/historical-syncs/estimate', {
      params: { path: { connectionId }, query: { preset: 'LAST_30_DAYS' } },
    });
    expect(estimate.data!.totalChunks).toBeGreaterThanOrEqual(1);
    const started = await api.POST('/v1/connections/{connectionId}/historical-syncs', {
      params: { path: { connectionId }, header: { 'Idempotency-Key': 'mia-last-30-days' } },
      body: { range: { preset: 'LAST_30_DAYS' } },
    });
    expect(started.response.status).toBe(202);
    const orchestrationId = started.data!.orchestrationId;
    expect(started.response.headers.get('location')).toBe(`/v1/orchestrations/${orchestrationId}`);

    const status = await untilDone(orchestrationId);
    expect(status).toMatchObject({ status: 'COMPLETED', progressPercent: 100, failedChunks: 0 });
    expect(status.completedChunks).toBe(estimate.data!.totalChunks);

    const orchestration = await api.GET('/v1/orchestrations/{id}', {
      params: { path: { id: orchestrationId } },
    });
    expect(orchestration.data).toMatchObject({ kind: 'HISTORICAL', connectionId, status: 'COMPLETED' });
    const listed = await api.GET('/v1/orchestrations');
    expect(listed.data!.items.map((o) => o.orchestrationId)).toContain(orchestrationId);

    const chunks = await api.GET('/v1/orchestrations/{id}/chunks', {
      params: { path: { id: orchestrationId }, query: { limit: 100 } },
    });
    expect(chunks.data!.items).toHaveLength(status.totalChunks);
    expect(chunks.data!.items.every((c) => c.status === 'COMPLETED')).toBe(true);

    // the import report, page by page
    const records: Array<components['schemas']['SyncRecordDto']> = [];
    const readRecords = (cursor?: string) =>
      api.GET('/v1/orchestrations/{id}/records', {
        params: { path: { id: orchestrationId }, query: { limit: 10, ...(cursor ? { cursor } : {}) } },
      });
    for (let cursor: string | undefined; ;) {
      const page = await readRecords(cursor);
      records.push(...page.data!.items);
      if (!page.data!.nextCursor) break;
      cursor = page.data!.nextCursor;
    }
    expect(records.length).toBe(status.records.read);
    expect(status.records.imported + status.records.skipped).toBe(records.length);
    expect(records.filter((r) => r.status === 'IMPORTED').every((r) => r.destination?.recordId)).toBe(true);

    // the user sees the completion
    const notifications = await api.GET('/v1/notifications');
    expect(notifications.response.status).toBe(200);
  });
});
