import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import { ArchivesService } from './archives.service.js';
import { ArchiveDto, ArchiveListDto, ListArchivesQueryDto } from './dto/archive.dto.js';

const ArchiveId = () => Param('id', new ResourceIdPipe('Archive'));

@ApiTags('archives')
@Controller('v1/archives')
export class ArchivesController {
  constructor(private readonly archives: ArchivesService) {}

  @Get()
  @ApiDoc({
    summary: 'The caller’s export archives, newest first',
    description:
      'Lists the caller’s uploaded archives (not deleted), newest first, `limit` at a time (default 20); pass ' +
      '`nextCursor` back as `cursor` for the next page.',
    errors: { VALIDATION_FAILED: 'a `limit` outside 1–100, or a malformed `cursor`' },
  })
  @ApiOkResponse({ type: ArchiveListDto, description: 'One page of archives' })
  list(@CurrentUser() user: AuthUser, @Query() query: ListArchivesQueryDto): Promise<ArchiveListDto> {
    return this.archives.list(user, query);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'One export archive: its upload, its scan and what the scan found',
    description:
      'Poll it after an upload: `status` goes UPLOADING → SCANNING → READY (or FAILED), `uploadedBytes` and ' +
      '`sessionsFound` count up, then `format`, `firstDate`/`lastDate` and `problems` (the first 100 entries ' +
      'that could not be read or were skipped) say what it holds. A READY archive can be a connection’s source: ' +
      '`POST /v1/connections` with `source: { provider: "archive", archiveId }`.',
    errors: { NOT_FOUND: 'no archive with this id, or it is another user’s (or it was deleted)' },
  })
  @ApiOkResponse({ type: ArchiveDto, description: 'The archive' })
  get(@CurrentUser() user: AuthUser, @ArchiveId() id: string): Promise<ArchiveDto> {
    return this.archives.get(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete an export archive now (its file, its index and the connections reading it)',
    description:
      'Deletes the stored file and the index of its workouts at once. Connections whose source it is are deleted ' +
      'too (their running syncs cancelled; what was already imported stays at the destination). Archives are ' +
      'otherwise deleted ARCHIVE_RETENTION_DAYS (30) after the last sync over them ended (`expiresAt`), and with ' +
      'the connection that reads them.',
    errors: { NOT_FOUND: 'no archive with this id, or it is another user’s (or it was already deleted)' },
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(@CurrentUser() user: AuthUser, @ArchiveId() id: string): Promise<void> {
    await this.archives.delete(user, id);
  }
}
