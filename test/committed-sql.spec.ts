import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { committedSql, HEADER } from '../scripts/sql/committed-sql.js';

/**
 * Committed SQL: every repository's queries are written beside it (`<name>.repository.sql`, by
 * `npm run sql:sync`), so a query change shows in review. Fails while a file is stale or missing, and
 * when a repository of src/ has no examples in scripts/sql/sql-examples.ts.
 */
const ROOT = resolve(import.meta.dirname, '..');

function filesEndingWith(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesEndingWith(path, suffix);
    return entry.name.endsWith(suffix) ? [relative(ROOT, path).split('\\').join('/')] : [];
  });
}

describe('committed SQL', () => {
  let generated: Map<string, string>;
  beforeAll(async () => {
    generated = await committedSql();
  });

  it('covers every repository of src/', () => {
    const repositories = filesEndingWith(join(ROOT, 'src'), '.repository.ts').map((f) =>
      f.replace(/\.ts$/, '.sql'),
    );
    expect([...generated.keys()].sort()).toEqual(repositories.sort());
  });

  it('is up to date beside each repository (run `npm run sql:sync` after a query change)', () => {
    const stale = [...generated]
      .filter(
        ([file, text]) => !existsSync(join(ROOT, file)) || readFileSync(join(ROOT, file), 'utf8') !== text,
      )
      .map(([file]) => file);
    expect(stale).toEqual([]);
  });

  it('records every example to its end (an example that throws is a broken example)', () => {
    const broken = [...generated].filter(([, text]) => text.includes('-- (stopped')).map(([file]) => file);
    expect(broken).toEqual([]);
  });

  it('leaves no generated file behind a repository that is gone (`npm run sql:sync` deletes them)', () => {
    const orphans = filesEndingWith(join(ROOT, 'src'), '.repository.sql').filter(
      (file) => !generated.has(file),
    );
    expect(orphans).toEqual([]);
  });

  it('records the statements a method runs, in order, with the transaction around them', () => {
    const quota = generated.get('src/modules/providers/quota/quota.repository.sql')!;
    expect(quota.startsWith(HEADER)).toBe(true);
    const acquire = quota
      .split('\n\n')
      .find((section) => section.startsWith('-- quota.repository: acquire'))!;
    expect(acquire.match(/^(BEGIN|INSERT INTO|SELECT|UPDATE|COMMIT)\b/gm)).toEqual([
      'BEGIN',
      'INSERT INTO',
      'SELECT',
      'UPDATE',
      'COMMIT',
    ]);
  });
});
