import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildZip as zip } from '../../../../test/support/archive-files.js';
import { ArchiveProblem, DEFAULT_ARCHIVE_LIMITS, walkZip, type ArchiveLimits } from './zip-walk.js';

async function walked(source: string | Buffer, limits?: Partial<ArchiveLimits>) {
  const seen: Array<[string, string]> = [];
  await walkZip(
    source,
    async (entry) => {
      seen.push([entry.path, (await entry.read()).toString()]);
    },
    { ...DEFAULT_ARCHIVE_LIMITS, ...limits },
  );
  return seen;
}

async function problem(source: string | Buffer, limits?: Partial<ArchiveLimits>) {
  const error = await walked(source, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveProblem);
  return error as ArchiveProblem;
}

describe('walkZip: the files of an export archive, safely', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'zip-walk-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands over every file in order, nested folders and nested ZIPs included, one at a time', async () => {
    const inner = await zip({ 'part/2.gpx': 'second', 'part/3.tcx': 'third' });
    const outer = await zip({ 'a/1.fit': 'first', 'a/': '', 'uploads/Part1.zip': inner, 'z.json': 'last' });
    const path = join(dir, 'export.zip');
    writeFileSync(path, outer);
    expect(await walked(path)).toEqual([
      ['a/1.fit', 'first'],
      ['uploads/Part1.zip/part/2.gpx', 'second'],
      ['uploads/Part1.zip/part/3.tcx', 'third'],
      ['z.json', 'last'],
    ]);
  });

  it('refuses a file that is not a ZIP, and a truncated one', async () => {
    expect((await problem(Buffer.from('not a zip at all'))).code).toBe('NOT_AN_ARCHIVE');
    const whole = await zip({ 'a.gpx': 'x'.repeat(5000) });
    expect((await problem(whole.subarray(0, whole.length - 30))).code).toBe('NOT_AN_ARCHIVE');
  });

  it('refuses an entry whose path leaves the archive (../)', async () => {
    const archive = await zip({ 'aa/evil.gpx': 'x' }, true);
    // same length, so the headers stay valid: "aa/" becomes "../" in both file name fields
    const evil = Buffer.from(archive.toString('latin1').replaceAll('aa/evil', '../evil'), 'latin1');
    const found = await problem(evil);
    expect(found.code).toBe('UNSAFE_PATH');
  });

  it('takes a deflate bomb for what it is (ratio), before inflating it', async () => {
    const bomb = await zip({ 'zeros.gpx': Buffer.alloc(20 * 2 ** 20) });
    expect(bomb.length).toBeLessThan(100_000);
    const found = await problem(bomb);
    expect(found).toMatchObject({ code: 'ZIP_BOMB', entry: 'zeros.gpx' });
  });

  it('stops at the total size and the file count, nested archives counted in', async () => {
    const inner = await zip({ 'b.gpx': 'y'.repeat(3000) });
    const outer = await zip({ 'a.gpx': 'x'.repeat(3000), 'in.zip': inner });
    expect((await problem(outer, { maxTotalBytes: 5000 })).code).toBe('ZIP_BOMB');
    expect((await problem(outer, { maxEntries: 2 })).code).toBe('ZIP_BOMB');
    expect(await walked(outer, { maxTotalBytes: 10_000, maxEntries: 3 })).toHaveLength(2);
  });

  it('walks a nested ZIP too big for memory from a temporary file, and deletes the file', async () => {
    const inner = await zip({ 'b.gpx': 'y'.repeat(4000), 'c.fit': 'z' }, true);
    const outer = await zip({ 'UploadedFiles_0-_Part1.zip': inner, 'a.gpx': 'x' });
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('syncwell-archive-')).length;
    const seen = await walked(outer, { maxNestedInMemoryBytes: 100 });
    expect(seen.map(([path]) => path)).toEqual([
      'UploadedFiles_0-_Part1.zip/b.gpx',
      'UploadedFiles_0-_Part1.zip/c.fit',
      'a.gpx',
    ]);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('syncwell-archive-'))).toHaveLength(before);
  });

  it('hands a nested ZIP over as a file past the depth limit', async () => {
    const inner = await zip({ 'b.gpx': 'y' });
    const outer = await zip({ 'in.zip': inner });
    expect((await walked(outer, { maxDepth: 0 })).map(([path]) => path)).toEqual(['in.zip']);
  });
});
