/**
 * The archive scan's child process (archive-scan-process.ts forks it): reads one archive with
 * `scanArchive` and sends its workouts to the parent in batches (100 workouts or 4 MB gzipped),
 * waiting for each batch's acknowledgement before reading on, so neither side holds more than a
 * batch. The parser of untrusted input, and its memory, live here, not in the worker.
 */
import { gzipSync } from 'node:zlib';
import { civilDateTime } from '../../common/time-zone.js';
import { scanArchive, type ScannedRecord } from '../providers/archive/scan-archive.js';
import { ArchiveProblem, type ArchiveLimits } from '../providers/archive/zip-walk.js';
import type { ScanRow, ScanMessage } from './archive-scan-process.js';

const BATCH = 100;
const BATCH_BYTES = 4 * 2 ** 20;

const acks: Array<() => void> = [];
const send = (message: ScanMessage) => process.send!(message);

function rowOf(record: ScannedRecord): ScanRow {
  if ('invalid' in record)
    return {
      recordId: record.id,
      entry: record.entry,
      start: null,
      localDate: null,
      session: null,
      invalid: record.invalid,
    };
  const { session } = record;
  return {
    recordId: record.id,
    entry: record.entry,
    start: session.start,
    localDate: civilDateTime(new Date(session.start), session.startUtcOffsetSeconds).slice(0, 10),
    session: gzipSync(JSON.stringify(session)),
    invalid: null,
  };
}

async function run(path: string, limits: ArchiveLimits): Promise<void> {
  let batch: ScanRow[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const acked = new Promise<void>((resolve) => acks.push(resolve));
    send({ type: 'batch', rows: batch });
    batch = [];
    bytes = 0;
    await acked;
  };
  try {
    const result = await scanArchive(
      path,
      async (record) => {
        const row = rowOf(record);
        batch.push(row);
        bytes += row.session?.length ?? 0;
        if (batch.length >= BATCH || bytes >= BATCH_BYTES) await flush();
      },
      limits,
    );
    await flush();
    // the resource lists the first 100
    send({ type: 'done', format: result.format, problems: result.problems.slice(0, 100) });
  } catch (error) {
    if (error instanceof ArchiveProblem)
      send({ type: 'problem', code: error.code, entry: error.entry, message: error.message });
    else send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}

process.on('message', (message: 'ack' | { path: string; limits: ArchiveLimits }) => {
  if (message === 'ack') acks.shift()?.();
  else void run(message.path, message.limits);
});
