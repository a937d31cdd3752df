import { Logger } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/utils';
import type { AppConfig } from '../../config/app-config.js';

/**
 * Where uploaded archives are kept: the local disk (DATA_DIR/archives; API and workers on one
 * machine, or a shared volume) or an S3-compatible bucket (ARCHIVE_STORAGE=s3; credentials from the
 * AWS SDK's usual environment). The tus server writes through {@link datastore}; the scan reads a
 * local file (a bucket's object is first copied to a temporary file, as a ZIP is read from its end).
 */
export class ArchiveStorage {
  private readonly logger = new Logger(ArchiveStorage.name);

  private constructor(
    readonly datastore: DataStore,
    private readonly directory?: string,
  ) {}

  /**
   * The configured storage. The S3 store (and the AWS SDK under it, ~35 MB resident) is loaded only
   * when configured: every process of the default deployment stays without it.
   */
  static async create(config: AppConfig): Promise<ArchiveStorage> {
    const storage = config.archives.storage;
    if (storage.kind === 'local')
      return new ArchiveStorage(new FileStore({ directory: storage.directory }), storage.directory);
    const { S3Store } = await import('@tus/s3-store');
    return new ArchiveStorage(
      new S3Store({
        partSize: 8 * 2 ** 20,
        s3ClientConfig: {
          bucket: storage.bucket,
          ...(storage.region ? { region: storage.region } : {}),
          ...(storage.endpoint ? { endpoint: storage.endpoint, forcePathStyle: true } : {}),
        },
      }),
    );
  }

  /** Bytes stored so far of an upload (0 when there is none). */
  async offset(id: string): Promise<number> {
    try {
      return (await this.datastore.getUpload(id)).offset;
    } catch {
      return 0;
    }
  }

  /** Runs `fn` over the archive as a local file (removed afterwards if it was a copy). */
  async withLocalFile<T>(id: string, fn: (path: string) => Promise<T>): Promise<T> {
    if (this.directory) return fn(join(this.directory, id));
    await mkdir(tmpdir(), { recursive: true });
    const dir = await mkdtemp(join(tmpdir(), 'syncwell-archive-'));
    try {
      const path = join(dir, 'archive.zip');
      const read = (this.datastore as DataStore & { read(id: string): Promise<NodeJS.ReadableStream> }).read(
        id,
      );
      await pipeline(await read, createWriteStream(path));
      return await fn(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Deletes the stored file (and its upload record); a file already gone is fine. */
  async remove(id: string): Promise<void> {
    try {
      await this.datastore.remove(id);
    } catch (error) {
      const status = (error as { status_code?: number }).status_code;
      if (status !== 404 && status !== 410)
        this.logger.warn(`could not delete archive ${id}: ${(error as Error).message}`);
    }
  }
}
