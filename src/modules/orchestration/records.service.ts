import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { validationFailed } from '../../common/errors/problem.exception.js';
import type { ProviderName } from '../../database/schema.js';
import { OrchestrationService } from './orchestration.service.js';
import type { ListRecordsQueryDto, SyncRecordDto, SyncRecordListDto } from './dto/record.dto.js';
import { recordUrl } from '../providers/provider-descriptors.js';
import {
  SyncRecordsRepository,
  type ReportPosition,
  type SyncRecordRow,
} from '../import-report/sync-records.repository.js';

/** Report cursors name the last row's (sort time, source record id): stable while rows are added. */
export function encodeRecordCursor(row: Pick<SyncRecordRow, 'sort_time' | 'source_record_id'>): string {
  return Buffer.from(JSON.stringify(['r1', row.sort_time.toISOString(), row.source_record_id])).toString(
    'base64url',
  );
}

export function decodeRecordCursor(cursor: string | undefined): ReportPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [tag, time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const sortTime = new Date(String(time));
    if (
      tag === 'r1' &&
      typeof id === 'string' &&
      typeof time === 'string' &&
      !Number.isNaN(sortTime.getTime())
    )
      return { sortTime, sourceRecordId: id };
  } catch {
    // falls through to the 422
  }
  throw validationFailed([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
}

/** The import report of an orchestration: every source record the sync saw, with its outcome. */
@Injectable()
export class RecordsService {
  constructor(
    private readonly orchestrations: OrchestrationService,
    private readonly records: SyncRecordsRepository,
  ) {}

  async list(
    user: AuthUser,
    orchestrationId: string,
    query: ListRecordsQueryDto,
  ): Promise<SyncRecordListDto> {
    const o = await this.orchestrations.get(user, orchestrationId); // 404 unless the caller's
    const limit = query.limit ?? 20;
    const rows = await this.records.list(orchestrationId, {
      status: query.status,
      chunkId: query.chunkId,
      after: decodeRecordCursor(query.cursor),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => toRecordDto(r, o.destination_provider)),
      nextCursor: rows.length > limit && last ? encodeRecordCursor(last) : null,
    };
  }
}

export function toRecordDto(r: SyncRecordRow, destination: ProviderName): SyncRecordDto {
  const link = (id: string | null) => (id ? { recordId: id, url: recordUrl(destination, id) } : null);
  return {
    sourceRecordId: r.source_record_id,
    chunkId: r.chunk_id,
    startTime: r.start_time?.toISOString() ?? null,
    sportType: r.sport_type,
    status: r.status,
    reason: r.reason_code ? { code: r.reason_code, message: r.reason_message ?? '' } : null,
    destination: r.status === 'IMPORTED' ? link(r.destination_id) : null,
    duplicateOf: r.status === 'SKIPPED_DUPLICATE' ? link(r.duplicate_of_id) : null,
  };
}
