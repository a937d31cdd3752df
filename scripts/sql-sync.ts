import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { committedSql } from './sql/committed-sql.js';

/**
 * `npm run sql:sync`: writes every repository's queries to the `.sql` file beside it
 * (`test/committed-sql.spec.ts` fails while one is stale), so a query change shows in review.
 */
const root = resolve(import.meta.dirname, '..');
const files = await committedSql();
for (const [file, text] of files) writeFileSync(resolve(root, file), text);
process.stdout.write(`wrote ${files.size} files of committed SQL\n`);
