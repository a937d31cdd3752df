import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ArchiveFormat, ScanProblem } from '../providers/archive/scan-archive.js';
import {
  ArchiveProblem,
  type ArchiveLimits,
  type ArchiveProblemCode,
} from '../providers/archive/zip-walk.js';

/** One workout of the index, as the scan's child sends it (its session gzipped JSON, or why none). */
export interface ScanRow {
  recordId: string;
  entry: string;
  /** RFC 3339, or null for a record the scan could not date. */
  start: string | null;
  localDate: string | null;
  session: Buffer | null;
  invalid: string | null;
}

export type ScanMessage =
  | { type: 'batch'; rows: ScanRow[] }
  | { type: 'done'; format: ArchiveFormat; problems: ScanProblem[] }
  | { type: 'problem'; code: ArchiveProblemCode; entry: string | null; message: string }
  | { type: 'error'; message: string };

/** The child's own heap: a scan needs a batch, a FIT file's decoding and a nested ZIP of up to 16 MB. */
const CHILD_HEAP_MB = 128;

/**
 * Scans the archive at `path` in a child process (archive-scan.child.ts): its parsers and their
 * memory stay out of the worker, and a parser that dies takes only the child. `onBatch` gets each
 * batch of workouts; the child reads on once it returns. Resolves with the format and the entries'
 * problems; rejects with ArchiveProblem for an archive that cannot be read as a whole, or an Error
 * (the child's failure: the job tries again).
 */
export function scanInChildProcess(
  path: string,
  limits: ArchiveLimits,
  onBatch: (rows: ScanRow[]) => Promise<void>,
): Promise<{ format: ArchiveFormat; problems: ScanProblem[] }> {
  const compiled = import.meta.url.endsWith('.js');
  const child = fork(
    fileURLToPath(new URL(`./archive-scan.child.${compiled ? 'js' : 'ts'}`, import.meta.url)),
    [],
    {
      execArgv: [
        `--max-old-space-size=${CHILD_HEAP_MB}`,
        '--max-semi-space-size=4',
        // the TypeScript sources (tests, `npm run start:dev`) run through the project's loader
        ...(compiled
          ? []
          : ['--import', fileURLToPath(new URL('../../../scripts/register-ts.js', import.meta.url))]),
      ],
      serialization: 'advanced', // Buffers cross as Buffers
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    let settled = false;
    const end = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      child.kill();
    };
    child.on('message', (message: ScanMessage) => {
      if (message.type === 'batch')
        onBatch(message.rows.map((r) => ({ ...r, session: r.session && Buffer.from(r.session) }))).then(
          () => child.connected && child.send('ack'),
          (error: unknown) => end(() => reject(error)),
        );
      else if (message.type === 'done')
        end(() => resolve({ format: message.format, problems: message.problems }));
      else if (message.type === 'problem')
        end(() => reject(new ArchiveProblem(message.code, message.entry, message.message)));
      else end(() => reject(new Error(`the archive scan failed: ${message.message}`)));
    });
    child.once('error', (error) => end(() => reject(error)));
    child.once('exit', (code, signal) =>
      end(() =>
        reject(new Error(`the archive scan process ended (${signal ?? `exit ${code}`}) before its end`)),
      ),
    );
    child.send({ path, limits });
  });
}
