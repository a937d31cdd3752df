import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { validationFailed } from '../../common/errors/problem.exception.js';
import { decodeCursor, page } from '../../common/http/cursor.js';
import { AppConfig } from '../../config/app-config.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB } from '../../database/schema.js';
import { DEAD_LETTER_QUEUES, JobName } from '../../jobs/job-names.js';
import { JobsRepository } from '../../jobs/jobs.repository.js';
import { JobsService } from '../../jobs/jobs.service.js';
import { queueDefinitions } from '../../jobs/queue-definitions.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { OrchestrationRepository } from '../orchestration/orchestration.repository.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import { AdminRepository, type DeadLetterRow } from './admin.repository.js';
import type {
  DeadLetterDto,
  DeadLetterListDto,
  DeadLetterQueryDto,
  QueueListDto,
  RedriveDto,
  RedriveResultDto,
} from './dto/admin.dto.js';

const toDeadLetter = (row: DeadLetterRow): DeadLetterDto => ({
  id: row.id,
  queue: row.name,
  sourceQueue: row.source_name,
  sourceJobId: row.source_id,
  state: row.state,
  error: row.source_output ? { code: row.source_output.code, message: row.source_output.message } : null,
  data: row.data,
  chunk:
    row.name === JobName.ChunkDeadLetter
      ? {
          chunkId: String(row.data.chunkId),
          orchestrationId: String(row.data.orchestrationId),
          status: row.chunk_status,
        }
      : null,
  createdAt: row.created_on.toISOString(),
});

/** Operators' view of the queues and their dead letters. */
@Injectable()
export class AdminService {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly config: AppConfig,
    private readonly repository: AdminRepository,
    private readonly jobs: JobsService,
    private readonly jobRows: JobsRepository,
    private readonly orchestrations: OrchestrationRepository,
    private readonly orchestrationService: OrchestrationService,
    private readonly audit: AuditLogRepository,
  ) {}

  async queues(): Promise<QueueListDto> {
    const definitions = queueDefinitions(this.config);
    const counts = await this.jobRows.queueCounts(definitions.map((d) => d.name));
    return { items: counts.map((c, i) => ({ ...c, deadLetter: definitions[i].queue.deadLetter ?? null })) };
  }

  async deadLetters(query: DeadLetterQueryDto): Promise<DeadLetterListDto> {
    const limit = query.limit ?? 20;
    const queues = query.queue ? [query.queue] : DEAD_LETTER_QUEUES;
    const rows = await this.repository.deadLetters(queues, limit + 1, decodeCursor(query.cursor));
    return page(rows, limit, toDeadLetter);
  }

  /**
   * Runs dead-lettered work again. A dead chunk goes back through the engine (like retry-failed, for
   * that chunk only: PENDING with a new job, failedChunks - 1, the sync IN_PROGRESS), and its dead
   * letter is removed in the same transaction; a sync that is paused or cancelled keeps its dead letters.
   */
  async redrive(
    body: RedriveDto,
    by: { adminId: string; requestId: string | null },
  ): Promise<RedriveResultDto> {
    const explicit = [body.all, body.queue, body.ids].filter((v) => v !== undefined).length;
    if (explicit === 0) {
      throw validationFailed(
        [{ field: 'all', message: 'say what to redrive: ids, a queue, or all: true' }],
        'The redrive target must be explicit: ids, a queue, or all: true',
      );
    }
    if (body.all && explicit > 1) {
      throw validationFailed([{ field: 'all', message: 'all cannot be combined with queue or ids' }]);
    }
    let result: RedriveResultDto | undefined;
    try {
      result = await this.redriveDeadLetters(body);
      return result;
    } finally {
      // written whatever happened: a redrive that failed half-way has still moved work
      await this.audit.write({
        adminId: by.adminId,
        action: 'dead-letters.redrive',
        target: body.all ? 'all' : (body.queue ?? (body.ids ? 'ids' : null)),
        details: { request: { ...body }, result: result ?? 'failed' },
        requestId: by.requestId,
      });
    }
  }

  private async redriveDeadLetters(body: RedriveDto): Promise<RedriveResultDto> {
    const limit = body.limit ?? 100;
    const result = { redriven: 0, skipped: 0 };
    if (!body.queue || body.queue === JobName.ChunkDeadLetter) {
      const letters = await this.repository.failedChunkDeadLetters(limit, body.ids);
      const byOrchestration = Map.groupBy(letters, (l) => l.orchestration_id);
      for (const [orchestrationId, group] of byOrchestration) {
        const moved = await this.db.transaction().execute(async (trx) => {
          const o = await this.orchestrations.lock(trx, orchestrationId);
          const retry =
            o &&
            (await this.orchestrationService.requeueFailed(
              trx,
              o,
              group.map((l) => l.chunk_id),
            ));
          if (!retry) return 0;
          await this.jobRows.deleteJobs(
            trx,
            JobName.ChunkDeadLetter,
            group.map((l) => l.id),
          );
          return retry.chunks;
        });
        result.redriven += moved;
        result.skipped += group.length - moved;
      }
    }
    for (const queue of DEAD_LETTER_QUEUES.filter(
      (q) => q !== JobName.ChunkDeadLetter && (!body.queue || body.queue === q),
    )) {
      result.redriven += await this.jobs.redrive(queue, { limit, ids: body.ids });
    }
    return result;
  }
}
