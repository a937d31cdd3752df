import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { Transaction } from 'kysely';
import {
  PgBoss,
  fromKysely,
  type Job,
  type JobInsert,
  type JobResult,
  type QueueResult,
  type SendOptions,
} from 'pg-boss';
import { AppConfig } from '../config/app-config.js';
import type { DB } from '../database/schema.js';
import { DeadLetterError } from './job-errors.js';
import { JobName, type JobPayloads } from './job-names.js';
import { JOB_HANDLER_METADATA } from './on-job.decorator.js';
import { queueDefinitions, type QueueDefinition } from './queue-definitions.js';

type Handler = (job: Job<unknown>) => Promise<void>;

/**
 * Owns pg-boss: starts it on the service's database (own schema), creates every queue at boot,
 * finds the `@OnJob` handlers (refusing to start when a queue has none or two), runs them in the
 * worker role, and stops pg-boss, letting running handlers finish, before the database pool closes.
 */
@Injectable()
export class JobsService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobsService.name);
  private readonly definitions: QueueDefinition[];
  private readonly boss: PgBoss;
  private started = false;

  constructor(
    private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {
    this.definitions = queueDefinitions(config);
    this.boss = new PgBoss({
      connectionString: config.database.url!,
      schema: config.jobs.schema,
      max: config.jobs.poolMax,
      application_name: `syncwell-${config.role.name}-jobs`,
      superviseIntervalSeconds: config.jobs.superviseIntervalSeconds,
      monitorIntervalSeconds: config.jobs.superviseIntervalSeconds,
      queueCacheIntervalSeconds: config.jobs.superviseIntervalSeconds,
      schedule: false,
      instanceName: `syncwell-${config.role.name}`,
    });
    this.boss.on('error', (error) => this.logger.error(`pg-boss: ${error.message}`));
    this.boss.on('warning', (warning) => this.logger.warn(`pg-boss: ${warning.message}`));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start({ attempts: 5 });
    this.started = true;
  }

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.discoverHandlers();
    for (const { name, queue } of this.definitions) {
      await this.boss.createQueue(name, queue);
      const { policy: _policy, partition: _partition, ...updatable } = queue;
      await this.boss.updateQueue(name, updatable);
    }
    if (!this.config.role.worker) return;
    for (const definition of this.definitions) {
      await this.startWorker(definition, handlers.get(definition.name)!);
    }
    this.logger.log(`Workers started for ${this.definitions.map((d) => d.name).join(', ')}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, timeout: 30_000, close: true });
    this.logger.log('Job queues stopped');
  }

  /** Enqueues one job; inside `trx` it commits or rolls back with that transaction. */
  async send<N extends JobName>(
    name: N,
    data: JobPayloads[N],
    options: SendOptions = {},
    trx?: Transaction<DB>,
  ): Promise<string | null> {
    return this.boss.send(name, data as object, trx ? { ...options, db: fromKysely(trx) } : options);
  }

  /** Enqueues many jobs in one statement; inside `trx` they commit with it. */
  async insert<N extends JobName>(
    name: N,
    jobs: Array<JobInsert<JobPayloads[N]>>,
    trx?: Transaction<DB>,
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(name, jobs, trx ? { db: fromKysely(trx) } : {});
  }

  /** Cancels queued or active jobs; inside `trx` with it. */
  async cancel(name: JobName, ids: string[], trx?: Transaction<DB>): Promise<void> {
    if (ids.length === 0) return;
    await this.boss.cancel(name, ids, trx ? { db: fromKysely(trx) } : {});
  }

  /** Moves dead letters of `queue` (all, or those `ids`, at most `limit`) back to their source queue. */
  async redrive(queue: string, options: { limit: number; ids?: string[] }): Promise<number> {
    return this.boss.redrive(queue, { limit: options.limit, ...(options.ids ? { ids: options.ids } : {}) });
  }

  /** One round trip on pg-boss's own connection pool (readiness). */
  async ping(): Promise<void> {
    await this.boss.getDb().executeSql('SELECT 1');
  }

  /** A queue's definition as pg-boss stored it, or null. */
  async getQueue(name: JobName): Promise<QueueResult | null> {
    return this.boss.getQueue(name);
  }

  get queueNames(): JobName[] {
    return this.definitions.map((d) => d.name);
  }

  isRunning(): boolean {
    return this.started;
  }

  private async startWorker(definition: QueueDefinition, handler: Handler): Promise<void> {
    const run = async (job: Job<unknown>): Promise<JobResult> => {
      try {
        await handler(job);
        return { id: job.id, status: 'completed' };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const code = (error as { code?: unknown }).code;
        const status = error instanceof DeadLetterError ? 'deadletter' : 'failed';
        if (status === 'failed') this.logger.warn(`${definition.name} job ${job.id} failed: ${message}`);
        return { id: job.id, status, output: { message, code: typeof code === 'string' ? code : undefined } };
      }
    };
    await this.boss.work<unknown>(
      definition.name,
      { ...definition.work, batchSize: 1, perJobResults: true },
      async (jobs) => Promise.all(jobs.map(run)),
    );
  }

  private discoverHandlers(): Map<JobName, Handler> {
    const found = new Map<string, Array<{ where: string; handler: Handler }>>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || wrapper.isNotMetatype) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method] as ((job: Job<unknown>) => Promise<void>) | undefined;
        const name = typeof fn === 'function' ? Reflect.getMetadata(JOB_HANDLER_METADATA, fn) : undefined;
        if (typeof name !== 'string') continue;
        const list = found.get(name) ?? [];
        list.push({
          where: `${instance.constructor.name}.${method}`,
          handler: (job) => fn!.call(instance, job),
        });
        found.set(name, list);
      }
    }
    const problems: string[] = [];
    const handlers = new Map<JobName, Handler>();
    for (const { name } of this.definitions) {
      const list = found.get(name) ?? [];
      if (list.length === 0) problems.push(`job "${name}" has no @OnJob handler`);
      if (list.length > 1)
        problems.push(`job "${name}" has ${list.length} handlers: ${list.map((h) => h.where).join(', ')}`);
      if (list.length === 1) handlers.set(name, list[0].handler);
    }
    for (const name of found.keys()) {
      if (!this.definitions.some((d) => d.name === name))
        problems.push(`@OnJob("${name}") names no known queue`);
    }
    if (problems.length > 0) throw new Error(`Job handlers are misconfigured: ${problems.join('; ')}`);
    return handlers;
  }
}
