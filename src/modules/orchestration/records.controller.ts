import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import { ListRecordsQueryDto, SyncRecordListDto } from './dto/record.dto.js';
import { RecordsService } from './records.service.js';

@ApiTags('orchestrations')
@Controller('v1/orchestrations')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  @Get(':id/records')
  @ApiDoc({
    summary: 'The import report: every source record the sync saw, with its outcome',
    description:
      'One row per source record, ordered by `startTime`, then `sourceRecordId`; every record the sync has ' +
      'seen appears exactly once (`PENDING` until its outcome is known). `IMPORTED` rows link the record the ' +
      'sync wrote (`destination`), `SKIPPED_DUPLICATE` rows the destination record it matched (`duplicateOf`, ' +
      '`reason.code` DUPLICATE_AT_DESTINATION, SOURCE_DUPLICATE, ALREADY_SYNCED or ALREADY_AT_DESTINATION). ' +
      'Paging is by keyset, so pages stay stable while the sync adds rows; the orchestration’s `records` ' +
      'counts equal these rows. Filter with `?status=` and `?chunkId=`.',
    errors: {
      NOT_FOUND: 'no orchestration with this id, or it is another user’s',
      VALIDATION_FAILED:
        'an unknown `status`, a `chunkId` that is not a UUID, a `limit` outside 1–100, or a malformed `cursor`',
    },
  })
  @ApiOkResponse({ type: SyncRecordListDto, description: 'One page of the report' })
  list(
    @CurrentUser() user: AuthUser,
    @Param('id', new ResourceIdPipe('Orchestration')) id: string,
    @Query() query: ListRecordsQueryDto,
  ): Promise<SyncRecordListDto> {
    return this.records.list(user, id, query);
  }
}
