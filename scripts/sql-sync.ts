import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { committedSql } from './sql/committed-sql.js';

/**
 * `npm run sql:sync`: writes every repository's queries to the `.sql` file beside it
 * (`test/committed-sql.spec.ts` fails while one is stale), so a query change shows in review.
 */
const root = resolve(import.meta.dirname, '..');
const files = await committedSql();
for (const [file, text] of files) writeFileSync(resolve(root, file), text);
// the SQL of a repository that is gone goes with it
const committed = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? committed(join(dir, e.name))
      : e.name.endsWith('.repository.sql')
        ? [join(dir, e.name)]
        : [],
  );
const gone = committed(resolve(root, 'src')).filter(
  (f) => !files.has(relative(root, f).split('\\').join('/')),
);
for (const file of gone) unlinkSync(file);
process.stdout.write(
  `wrote ${files.size} files of committed SQL${gone.length ? `, deleted ${gone.length}` : ''}\n`,
);
