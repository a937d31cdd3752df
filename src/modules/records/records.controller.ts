import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/uuid.pipe.js';
import { ListRecordsQueryDto, SyncRecordListDto } from './dto/record.dto.js';
import { RecordsService } from './records.service.js';

@ApiTags('orchestrations')
@Controller('v1/orchestrations')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  @Get(':id/records')
  @ApiOperation({
    summary: 'The import report: every source record the sync saw, with its outcome',
    description:
      "Ordered by startTime, then sourceRecordId; every record appears once (PENDING until its outcome is known). Paging is by keyset, so pages stay stable while the sync adds rows. The orchestration's `records` counts equal these rows.",
  })
  @ApiOkResponse({ type: SyncRecordListDto })
  @ApiProblems(401, 404, 422)
  list(
    @CurrentUser() user: AuthUser,
    @Param('id', new ResourceIdPipe('Orchestration')) id: string,
    @Query() query: ListRecordsQueryDto,
  ): Promise<SyncRecordListDto> {
    return this.records.list(user, id, query);
  }
}
