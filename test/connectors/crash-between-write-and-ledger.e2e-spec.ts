import { createTestApp, eventually, testEnv, type TestApp } from '../support/app.js';
import { kill, spawnTs, waitForOutput } from '../support/process.js';
import {
  connectedUser,
  finished,
  providerEnv,
  type ProviderStack,
  simAccount,
  startProviderStack,
  startSync,
} from '../support/providers.js';

/**
 * A worker is SIGKILLed right after Strava accepted an upload and before the ledger recorded it.
 * The re-run finds the claim open, looks the activity up at Strava by its external_id instead of
 * uploading again, records its id, and the destination holds the activity once.
 */
describe('a worker killed between a Strava upload and its ledger update', () => {
  let stack: ProviderStack;
  let worker: TestApp | undefined;

  beforeAll(async () => {
    stack = await startProviderStack({ env: { ROLE: 'api' }, sim: { uploadProcessingMs: 300 } });
  });
  afterAll(async () => {
    await worker?.close();
    await stack.close();
  });

  it('leaves exactly one activity', async () => {
    const { sims, t } = stack;
    const { connection } = await connectedUser(stack, 'fi', {
      historyDays: 200,
      sessionsPerWeek: [4, 5],
      waitForInitialSync: false,
    });
    const id = await startSync(t, 'fi', connection.id, {
      preset: 'CUSTOM',
      startDate: '2026-09-01',
      endDate: '2026-09-30',
    });
    await fetch(`${sims.strava.url}/_sim/requests`, { method: 'DELETE' });

    const env = {
      ...testEnv(t.databaseUrl, { ...providerEnv(sims, 0.01), ROLE: 'worker', LOG_LEVEL: 'info', PORT: '0' }),
    };
    const doomed = spawnTs('src/main.ts', env);
    try {
      await waitForOutput(doomed, 'Workers started');
      await eventually(
        async () =>
          ((await (await fetch(`${sims.strava.url}/_sim/requests`)).json())['uploads.create']?.['201'] ??
            0) >= 1,
        60_000,
        'the first upload',
      );
    } finally {
      await kill(doomed, 'SIGKILL');
    }
    // the upload went out; its ledger entry is still a claim without a destination id
    const open = await t.db
      .selectFrom('sync_ledger')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .where('status', '=', 'CLAIMED')
      .execute();
    expect(open.length).toBeGreaterThanOrEqual(1);
    const claimed = open.find((row) => row.destination_id === null);
    expect(claimed).toBeDefined();
    const externalId = `${claimed!.idempotency_key}.fit`;
    await eventually(
      async () =>
        (await simAccount(sims.strava, 'fi-strava')).activities.some(
          (a: any) => a.external_id === externalId,
        ),
      10_000,
      'Strava to process the orphaned upload',
    );

    worker = await createTestApp({
      databaseUrl: t.databaseUrl,
      env: { ...providerEnv(sims, 0.01), ROLE: 'worker' },
    });
    expect(await finished(t, 'fi', id, 120_000)).toMatchObject({ status: 'COMPLETED', failedChunks: 0 });
    await finished(t, 'fi', connection.initialSync.orchestrationId, 120_000);

    const activities = (await simAccount(sims.strava, 'fi-strava')).activities as Array<Record<string, any>>;
    expect(activities.filter((a) => a.external_id === externalId)).toHaveLength(1);
    expect(new Set(activities.map((a) => a.start_date)).size).toBe(activities.length);
    const uploads = (await simAccount(sims.strava, 'fi-strava')).uploads as Array<Record<string, any>>;
    const attempts = uploads.filter((u) => u.external_id === externalId);
    expect(attempts).toHaveLength(1); // recovered by looking it up, never by uploading again
    const row = await t.db
      .selectFrom('sync_ledger')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .where('source_record_id', '=', claimed!.source_record_id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('WRITTEN');
    expect(row.destination_id).toBe(String(activities.find((a) => a.external_id === externalId)!.id));
  });
});
