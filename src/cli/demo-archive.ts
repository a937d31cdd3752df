import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';

const CHUNK = 8 * 2 ** 20;

/** What the demo shows of the archive resource. */
export interface DemoArchive {
  id: string;
  status: string;
  format: string | null;
  sessionsFound: number;
  firstDate: string | null;
  lastDate: string | null;
  problems: Array<{ entry: string | null; code: string; message: string }>;
}

/**
 * `npm run demo -- --archive <file>`: uploads an export archive over tus 1.0.0 as a mobile app's tus
 * client does (creation, then PATCHes of 8 MiB from the stored offset, asking HEAD for the offset
 * again after a failed PATCH), then waits for its scan: the archive resource.
 */
export async function uploadArchive(
  base: string,
  token: string,
  file: string,
  log: (line: string) => void,
): Promise<DemoArchive> {
  const size = (await stat(file)).size;
  const auth = { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' };
  const created = await fetch(`${base}/v1/archives/uploads`, {
    method: 'POST',
    headers: {
      ...auth,
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${Buffer.from(basename(file)).toString('base64')}`,
    },
  });
  if (created.status !== 201) throw new Error(`upload answered ${created.status}: ${await created.text()}`);
  const location = created.headers.get('location')!;
  const url = new URL(location, base).href;
  const handle = await open(file);
  try {
    let offset = 0;
    let failures = 0;
    while (offset < size) {
      const buffer = Buffer.alloc(Math.min(CHUNK, size - offset));
      await handle.read(buffer, 0, buffer.length, offset);
      const res = await fetch(url, {
        method: 'PATCH',
        headers: {
          ...auth,
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
        },
        body: buffer,
      }).catch(() => undefined);
      if (res?.status === 204) {
        offset = Number(res.headers.get('upload-offset'));
        log(
          `  uploaded ${size > 2 ** 20 ? `${(offset / 2 ** 20).toFixed(1)} of ${(size / 2 ** 20).toFixed(1)} MiB` : `${offset} of ${size} bytes`}`,
        );
        continue;
      }
      if (++failures > 5) throw new Error(`PATCH ${location} keeps failing (${res?.status ?? 'no answer'})`);
      // resume where the server says it is, as tus clients do
      const head = await fetch(url, { method: 'HEAD', headers: auth });
      offset = Number(head.headers.get('upload-offset') ?? offset);
      await wait(1000);
    }
  } finally {
    await handle.close();
  }
  const id = location.split('/').pop()!;
  for (;;) {
    const res = await fetch(`${base}/v1/archives/${id}`, { headers: { Authorization: `Bearer ${token}` } });
    const archive = (await res.json()) as DemoArchive;
    if (archive.status === 'READY' || archive.status === 'FAILED') return archive;
    await wait(500);
  }
}
