import { Controller, Delete, Head, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { ProblemException } from '../../common/errors/problem.exception.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import { AppConfig } from '../../config/app-config.js';
import { RequiresPro } from '../entitlements/requires-pro.guard.js';
import { ArchiveUploadServer } from './archive-upload.server.js';
import { ArchivesService } from './archives.service.js';

const UploadId = () => Param('id', new ResourceIdPipe('Upload'));
const TUS = { name: 'Tus-Resumable', required: true, description: '`1.0.0`' };
const MIB = 2 ** 20;

/**
 * Archive uploads over tus 1.0.0 (https://tus.io/protocols/resumable-upload): thin HTTP in front
 * of the tus server (archive-upload.server.ts). Auth, Pro, ownership and the size limit answer as
 * problem+json before the protocol starts; the protocol's own answers are the tus server's.
 */
@ApiTags('archives')
@Controller('v1/archives/uploads')
export class ArchiveUploadsController {
  constructor(
    private readonly uploads: ArchiveUploadServer,
    private readonly archives: ArchivesService,
    private readonly config: AppConfig,
  ) {}

  @Options()
  @ApiDoc({
    summary: 'The tus server’s capabilities (tus OPTIONS)',
    description:
      'Answers 204 with `Tus-Version: 1.0.0`, `Tus-Extension: creation,creation-with-upload,termination,...` and ' +
      '`Tus-Max-Size` (ARCHIVE_MAX_BYTES). tus clients rarely need it.',
  })
  @ApiNoContentResponse({ description: 'The capabilities, in headers' })
  async options(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.uploads.handle(req, res);
  }

  @Post()
  @RequiresPro()
  @ApiDoc({
    summary: 'Start uploading an export archive (tus creation)',
    description:
      'Starts a resumable upload of an export archive (a ZIP: Garmin/Suunto/Polar/COROS/Wahoo activity files, a ' +
      'Strava bulk export, Apple Health’s export.zip). Send `Tus-Resumable: 1.0.0`, `Upload-Length` (bytes) and ' +
      '`Upload-Metadata: filename <base64>`; the body may already carry the first bytes ' +
      '(`Content-Type: application/offset+octet-stream`). Answers 201 with `Location: /v1/archives/uploads/{id}`: ' +
      'send the rest there with PATCH, and after an interruption ask HEAD for the offset to resume from. `{id}` is ' +
      'the archive’s id: `GET /v1/archives/{id}` shows its upload, then its scan. Any tus client works ' +
      '(tus-js-client, TUSKit, tus-android-client).',
    errors: {
      MALFORMED_REQUEST:
        'no `Upload-Length` (a deferred length is not accepted), or one that is not a number',
      ARCHIVE_TOO_LARGE:
        '`Upload-Length` is over the deployment’s maximum (ARCHIVE_MAX_BYTES, default 4 GiB)',
    },
  })
  @ApiHeader(TUS)
  @ApiHeader({ name: 'Upload-Length', required: true, description: 'The archive’s size in bytes' })
  @ApiHeader({
    name: 'Upload-Metadata',
    required: false,
    description: '`filename <base64 of the file name>` (tus metadata)',
  })
  @ApiConsumes('application/offset+octet-stream')
  @ApiBody({
    required: false,
    schema: { type: 'string', format: 'binary', example: '(the archive’s first bytes)' },
  })
  @ApiCreatedResponse({
    description: 'Created; `Location` is the upload’s URL, `Upload-Offset` what the body carried',
    headers: { Location: { description: '/v1/archives/uploads/{id}', schema: { type: 'string' } } },
  })
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    const length = req.headers['upload-length'];
    if (typeof length !== 'string' || !/^\d{1,16}$/.test(length.trim()))
      throw new ProblemException(
        400,
        ErrorCode.MalformedRequest,
        'Send Upload-Length: the archive’s size in bytes (a deferred length is not accepted)',
      );
    const max = this.config.archives.maxBytes;
    if (Number(length) > max)
      throw new ProblemException(
        413,
        ErrorCode.ArchiveTooLarge,
        `The archive is ${Math.ceil(Number(length) / MIB)} MiB; this service accepts archives of at most ${Math.floor(max / MIB)} MiB`,
      );
    await this.uploads.handle(req, res);
  }

  @Head(':id')
  @ApiDoc({
    summary: 'How much of an upload has arrived (tus HEAD: resume from `Upload-Offset`)',
    description:
      'Answers 200 with `Upload-Offset` (bytes stored) and `Upload-Length`. A client resuming after an ' +
      'interruption sends the rest from that offset with PATCH.',
    errors: { NOT_FOUND: 'no upload with this id, or it is another user’s (or its archive was deleted)' },
  })
  @ApiHeader(TUS)
  @ApiOkResponse({ description: 'The offset, in `Upload-Offset`' })
  async head(
    @CurrentUser() user: AuthUser,
    @UploadId() id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const archive = await this.archives.owned(user, id);
    await this.uploads.handle(req, res);
    await this.archives.settleUpload(archive);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Send the next bytes of an upload (tus PATCH)',
    description:
      'Appends the body at `Upload-Offset` (which must equal the stored offset: 409 otherwise, as tus says). ' +
      'Answers 204 with the new `Upload-Offset`. The last byte makes the archive SCANNING and queues its scan.',
    errors: { NOT_FOUND: 'no upload with this id, or it is another user’s (or its archive was deleted)' },
  })
  @ApiHeader(TUS)
  @ApiHeader({ name: 'Upload-Offset', required: true, description: 'Where these bytes start' })
  @ApiConsumes('application/offset+octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary', example: '(the next bytes)' } })
  @ApiNoContentResponse({ description: 'Stored; `Upload-Offset` is the new offset' })
  async patch(
    @CurrentUser() user: AuthUser,
    @UploadId() id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.archives.owned(user, id);
    await this.uploads.handle(req, res);
  }

  @Delete(':id')
  @ApiDoc({
    summary: 'Abandon an upload (tus termination): its archive is deleted',
    description:
      'The same as `DELETE /v1/archives/{id}`: the stored bytes, the archive and whatever reads it are deleted.',
    errors: { NOT_FOUND: 'no upload with this id, or it is another user’s (or it was already deleted)' },
  })
  @ApiHeader(TUS)
  @ApiNoContentResponse({ description: 'Deleted' })
  async terminate(
    @CurrentUser() user: AuthUser,
    @UploadId() id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.archives.delete(user, id);
    res.status(204).setHeader('Tus-Resumable', '1.0.0').end();
  }
}
