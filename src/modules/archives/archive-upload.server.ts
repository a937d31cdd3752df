import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { Server } from '@tus/server';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { AppConfig } from '../../config/app-config.js';
import { ArchiveStorage } from './archive-storage.js';
import { ArchivesService } from './archives.service.js';

/** Where archives are uploaded (tus 1.0.0); `{id}` after it is the archive's id. */
export const UPLOADS_PATH = '/v1/archives/uploads';

/** The `filename` of an upload's metadata, as a plain file name (no folders, no control characters). */
export function uploadFilename(metadata: Record<string, string | null> | undefined): string {
  const raw = metadata?.filename ?? '';
  const name = [...basename(raw.replace(/\\/g, '/'))]
    .filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim();
  return name.slice(0, 255) || 'archive.zip';
}

/**
 * The tus server (`@tus/server`) behind the upload routes. The controller authenticates and checks
 * ownership and the size first; the server then speaks the protocol (creation, creation-with-upload,
 * HEAD offsets, PATCH appends, termination) over {@link ArchiveStorage}. Creating an upload creates
 * its archive (UPLOADING, the caller's); its last byte makes it SCANNING and queues its scan.
 */
@Injectable()
export class ArchiveUploadServer {
  private readonly tus: Server;

  constructor(storage: ArchiveStorage, archives: ArchivesService, config: AppConfig) {
    this.tus = new Server({
      path: UPLOADS_PATH,
      datastore: storage.datastore,
      maxSize: config.archives.maxBytes,
      relativeLocation: true,
      respectForwardedHeaders: true,
      namingFunction: () => randomUUID(),
      onUploadCreate: async (req, upload) => {
        const user = (req as { runtime?: { node?: { req: IncomingMessage & { user?: AuthUser } } } }).runtime
          ?.node?.req.user;
        if (!user) throw { status_code: 401, body: 'authentication required\n' };
        await archives.created(user, upload.id, uploadFilename(upload.metadata), upload.size ?? 0);
        return {};
      },
      onUploadFinish: async (_req, upload) => {
        await archives.uploaded(upload.id, upload.size ?? upload.offset);
        return {};
      },
    });
  }

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.tus.handle(req, res);
  }
}
