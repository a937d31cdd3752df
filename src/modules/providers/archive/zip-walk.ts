import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/** What an export archive may hold before it is taken for a ZIP bomb (issue 27: limits and bad input). */
export interface ArchiveLimits {
  /** Uncompressed bytes of every entry together, nested archives' entries included. */
  maxTotalBytes: number;
  /** Uncompressed size over compressed size of one entry (a deflate bomb compresses ~1,000 : 1). */
  maxRatio: number;
  /** Entries in all, nested ones included. */
  maxEntries: number;
  /**
   * A nested ZIP up to this size is walked from memory, a bigger one from a temporary file (Garmin's
   * UploadedFiles_Part1.zip can hold gigabytes); nested at most `maxDepth` deep.
   */
  maxNestedInMemoryBytes: number;
  maxDepth: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 16 * 2 ** 30,
  maxRatio: 200,
  maxEntries: 200_000,
  maxNestedInMemoryBytes: 16 * 2 ** 20,
  maxDepth: 3,
};

export type ArchiveProblemCode =
  'NOT_AN_ARCHIVE' | 'ZIP_BOMB' | 'UNSAFE_PATH' | 'ENCRYPTED' | 'UNKNOWN_FORMAT';

/** The archive as a whole cannot be read safely: it is FAILED with this problem (contract: problems). */
export class ArchiveProblem extends Error {
  constructor(
    readonly code: ArchiveProblemCode,
    readonly entry: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveProblem';
  }
}

/** A file inside the archive: its path (nested archives' paths joined with `/`), size, and content. */
export interface ArchiveEntry {
  path: string;
  size: number;
  /** Its bytes (read once, as the walk reaches it; the size is checked while reading). */
  read(): Promise<Buffer>;
  /** Its content as a stream, for a file too big to hold (Apple Health's export.xml); read it to its end. */
  open(): Promise<Readable>;
}

interface Budget {
  bytes: number;
  entries: number;
}

/**
 * Walks every file of a ZIP archive (on disk, or in memory for a nested one) in order, handing each
 * to `visit` before reading the next, so only one entry is open at a time. Nested ZIPs are walked in
 * place (their paths prefixed with theirs). Throws ArchiveProblem for what makes the whole archive
 * unsafe: an entry path that leaves the archive, an encrypted entry, a ZIP bomb (total size, ratio,
 * entry count), or a file that is not a ZIP at all; `visit` decides what one unreadable file costs.
 */
export async function walkZip(
  source: string | Buffer,
  visit: (entry: ArchiveEntry) => Promise<void>,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<void> {
  await walk(source, '', 0, visit, limits, { bytes: 0, entries: 0 });
}

async function walk(
  source: string | Buffer,
  prefix: string,
  depth: number,
  visit: (entry: ArchiveEntry) => Promise<void>,
  limits: ArchiveLimits,
  budget: Budget,
): Promise<void> {
  const zip = await openZip(source, prefix);
  try {
    for (;;) {
      const entry = await nextEntry(zip, prefix);
      if (!entry) return;
      if (entry.fileName.endsWith('/')) continue; // a folder
      const path = `${prefix}${entry.fileName}`;
      if (entry.isEncrypted()) throw new ArchiveProblem('ENCRYPTED', path, `${path} is encrypted`);
      budget.entries += 1;
      budget.bytes += entry.uncompressedSize;
      if (budget.entries > limits.maxEntries)
        throw new ArchiveProblem('ZIP_BOMB', path, `more than ${limits.maxEntries} files`);
      if (budget.bytes > limits.maxTotalBytes)
        throw new ArchiveProblem('ZIP_BOMB', path, `more than ${limits.maxTotalBytes} bytes uncompressed`);
      if (entry.uncompressedSize > limits.maxRatio * Math.max(entry.compressedSize, 1024))
        throw new ArchiveProblem(
          'ZIP_BOMB',
          path,
          `${path} expands ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} : 1`,
        );
      const read = () => readEntry(zip, entry, path);
      if (/\.zip$/i.test(entry.fileName) && depth < limits.maxDepth) {
        const nested = (source: string | Buffer) =>
          walk(source, `${path}/`, depth + 1, visit, limits, budget);
        if (entry.uncompressedSize <= limits.maxNestedInMemoryBytes) await nested(await read());
        else await viaTempFile(await openEntry(zip, entry, path), nested);
        continue;
      }
      await visit({ path, size: entry.uncompressedSize, read, open: () => openEntry(zip, entry, path) });
    }
  } finally {
    zip.close();
  }
}

function openZip(source: string | Buffer, prefix: string): Promise<ZipFile> {
  const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false };
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, zip: ZipFile) => {
      if (!error) return resolve(zip);
      const where = prefix ? prefix.slice(0, -1) : null;
      reject(
        new ArchiveProblem('NOT_AN_ARCHIVE', where, `${where ?? 'the upload'} is not a readable ZIP archive`),
      );
    };
    if (typeof source === 'string') yauzl.open(source, options, done);
    else yauzl.fromBuffer(source, options, done);
  });
}

/** The next entry, or undefined at the end. An unsafe file name is the archive's problem. */
function nextEntry(zip: ZipFile, prefix: string): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      // yauzl refuses absolute paths, `..` segments and backslashes in entry names
      reject(
        /path|file name/i.test(error.message)
          ? new ArchiveProblem(
              'UNSAFE_PATH',
              prefix || null,
              `an entry's path leaves the archive (${error.message})`,
            )
          : new ArchiveProblem('NOT_AN_ARCHIVE', prefix || null, `the archive is damaged (${error.message})`),
      );
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** Copies a stream to a file of its own in a temporary folder, runs `use` on it, and deletes it. */
async function viaTempFile(stream: Readable, use: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'syncwell-archive-'));
  try {
    const file = join(dir, 'nested.zip');
    await pipeline(stream, createWriteStream(file));
    await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function openEntry(zip: ZipFile, entry: Entry, path: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error)
        reject(new ArchiveProblem('NOT_AN_ARCHIVE', path, `${path} cannot be read (${error.message})`));
      else resolve(stream);
    });
  });
}

/** An entry's bytes; yauzl checks the size read against the declared one (validateEntrySizes). */
function readEntry(zip: ZipFile, entry: Entry, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error)
        return reject(
          new ArchiveProblem('NOT_AN_ARCHIVE', path, `${path} cannot be read (${error.message})`),
        );
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('error', (e: Error) =>
        reject(new ArchiveProblem('NOT_AN_ARCHIVE', path, `${path} cannot be read (${e.message})`)),
      );
      stream.on('end', () => resolve(Buffer.concat(parts)));
    });
  });
}
