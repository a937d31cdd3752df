import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { sql } from 'kysely';
import type { Job } from 'pg-boss';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/app-config.js';
import { JobName, type ChunkJobData } from '../src/jobs/job-names.js';
import { JobsService } from '../src/jobs/jobs.service.js';
import { OnJob } from '../src/jobs/on-job.decorator.js';
import { ChunkWorker } from '../src/modules/orchestration/engine/chunk.worker.js';
import { createTestApp, eventually, testEnv, type TestApp } from './support/app.js';
import { createTestDatabase, dropTestDatabase } from './support/database.js';

const payload = (chunkId: string): ChunkJobData => ({
  chunkId,
  orchestrationId: '00000000-0000-4000-8000-000000000000',
  userId: 'u',
  source: 'fitbit',
  destination: 'strava',
  chunkStartDate: '2025-01-01',
  chunkEndDate: '2025-01-31',
});

describe('jobs module (pg-boss)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const jobState = async (id: string) =>
    (
      await sql<{
        state: string;
      }>`SELECT state::text AS state FROM pgboss.job WHERE name = 'chunk.process' AND id = ${id}::uuid`.execute(
        t.db,
      )
    ).rows[0]?.state;

  it('never runs a job enqueued in a transaction that rolled back, and runs one whose transaction committed', async () => {
    const jobs = t.app.get(JobsService);
    const rolledBack = crypto.randomUUID();
    const committed = crypto.randomUUID();
    await expect(
      t.db.transaction().execute(async (trx) => {
        await jobs.send(JobName.ChunkProcess, payload(rolledBack), { id: rolledBack }, trx);
        expect(await jobState(rolledBack)).toBeUndefined(); // not visible outside the transaction
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await t.db.transaction().execute(async (trx) => {
      await jobs.send(JobName.ChunkProcess, payload(committed), { id: committed }, trx);
    });
    await eventually(
      async () => (await jobState(committed)) === 'completed',
      15_000,
      'the committed job to run',
    );
    expect(await jobState(rolledBack)).toBeUndefined();
  });

  it('creates every queue with its options at boot', async () => {
    const queue = await t.app.get(JobsService).getQueue(JobName.ChunkProcess);
    expect(queue).toMatchObject({
      deadLetter: JobName.ChunkDeadLetter,
      retryLimit: 5,
      retryBackoff: true,
      heartbeatSeconds: 10,
      // a long backlog is normal (the fair queue): pg-boss warns only past CHUNK_QUEUE_WARNING_SIZE
      warningQueueSize: 250_000,
    });
    expect(await t.app.get(JobsService).getQueue(JobName.ChunkDeadLetter)).not.toBeNull();
  });
});

describe('handler discovery', () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase();
  });
  afterAll(() => dropTestDatabase(url));

  @Injectable()
  class SecondChunkHandler {
    @OnJob(JobName.ChunkProcess)
    async handle(_job: Job<ChunkJobData>): Promise<void> {}
  }

  type Builder = ReturnType<typeof Test.createTestingModule>;
  async function boot(options: {
    extraProviders?: Array<new (...args: never[]) => unknown>;
    configure?: (b: Builder) => Builder;
  }) {
    const config = loadConfig(testEnv(url));
    const builder = Test.createTestingModule({
      imports: [AppModule.forRoot(config)],
      providers: options.extraProviders ?? [],
    });
    const moduleRef = await (options.configure ? options.configure(builder) : builder).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
    } finally {
      await app.close().catch(() => undefined);
    }
  }

  it('refuses to start when a job name has two handlers', async () => {
    await expect(boot({ extraProviders: [SecondChunkHandler] })).rejects.toThrow(
      /job "chunk.process" has 2 handlers/,
    );
  });

  it('refuses to start when a job name has no handler', async () => {
    await expect(boot({ configure: (b) => b.overrideProvider(ChunkWorker).useValue({}) })).rejects.toThrow(
      /job "chunk.process" has no @OnJob handler/,
    );
  });
});
