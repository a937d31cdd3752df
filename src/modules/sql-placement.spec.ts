import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The drift guard for where SQL and transactions live (ARCHITECTURE.md, "Who may call whom" and
 * "Transactions"). Reads every non-spec .ts file of src/ (migrations/ are outside it and may hold any
 * SQL) as TypeScript, so comments and docs never count:
 *
 * - SQL only in `*.repository.ts` files and the database infrastructure listed in SQL_OUTSIDE_REPOSITORIES.
 *   SQL is a `sql` tagged template or helper (`sql\`…\``, `sql<T>\`…\``, `sql.raw(…)`, `sql.ref(…)`, …), a
 *   Kysely query or schema builder (`.selectFrom(`, `.insertInto(`, `.updateTable(`, `.deleteFrom(`,
 *   `.schema.createTable(`, …), a raw Kysely execution (`CompiledQuery`, `.executeQuery(`), or a string
 *   that starts with an SQL statement (`'SELECT …'`, as node-postgres is given it).
 * - A transaction begins (`.transaction()`) only in a `*.service.ts` (repositories take it as `executor`),
 *   but for TRANSACTIONS_OUTSIDE_SERVICES.
 * - Controllers reach data through services: no repository, no database handle (`@InjectDb`, `Kysely`).
 * - Only src/jobs/ imports pg-boss; other code uses jobs/ (JobsService, JobsRepository, jobs/job.types.ts).
 */
const SRC = resolve(import.meta.dirname, '..');

/** Files of src/ (relative, `/`-separated) that may hold SQL without being repositories, and why. */
const SQL_OUTSIDE_REPOSITORIES: Record<string, string> = {
  'database/migrator.ts': 'the migration lock (pg_advisory_lock) around Kysely’s migrator',
  'database/embedded-postgres.ts': 'creating the local database in the embedded PostgreSQL it starts',
  'jobs/jobs.service.ts':
    'the readiness ping (`SELECT 1`) on pg-boss’s own pool, which only pg-boss’s API reaches',
};

/** Repositories that still begin a transaction of their own, and why (keep this list short). */
const TRANSACTIONS_OUTSIDE_SERVICES: Record<string, string> = {
  'modules/providers/quota/quota.repository.ts':
    '`acquire` takes from every bucket all or nothing in one short transaction of its own (retried on deadlock)',
};

const QUERY_BUILDERS = new Set([
  'selectFrom',
  'selectNoFrom',
  'insertInto',
  'replaceInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'executeQuery',
]);
const SCHEMA_BUILDERS = /^(create|alter|drop)(Table|Index|View|Schema|Type)$/;
const SQL_STRING =
  /^\s*(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|WITH|CREATE|ALTER|DROP|TRUNCATE|LISTEN|UNLISTEN|NOTIFY|BEGIN|COMMIT|ROLLBACK|LOCK)\b/;

interface Finding {
  file: string;
  line: number;
  what: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** What one file does with SQL, transactions, repositories and pg-boss, by line. */
function scan(file: string, text: string) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = { sql: [] as Finding[], transactions: [] as Finding[], dataAccess: [] as Finding[] };
  const at = (node: ts.Node, what: string): Finding => ({
    file,
    line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
    what,
  });
  const isSqlTag = (tag: ts.Expression) => ts.isIdentifier(tag) && tag.text === 'sql';
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && isSqlTag(node.tag)) found.sql.push(at(node, 'sql`…`'));
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      if (isSqlTag(node.expression)) found.sql.push(at(node, `sql.${name}`));
      else if (QUERY_BUILDERS.has(name)) found.sql.push(at(node, `.${name}(`));
      else if (
        SCHEMA_BUILDERS.test(name) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === 'schema'
      )
        found.sql.push(at(node, `.schema.${name}(`));
      else if (name === 'transaction' && ts.isCallExpression(node.parent) && node.parent.expression === node)
        found.transactions.push(at(node, '.transaction()'));
    }
    if (ts.isIdentifier(node) && node.text === 'CompiledQuery' && !ts.isImportSpecifier(node.parent))
      found.sql.push(at(node, 'CompiledQuery'));
    const tagged = node.parent !== undefined && ts.isTaggedTemplateExpression(node.parent); // its tag decides
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      !tagged &&
      SQL_STRING.test(node.text)
    )
      found.sql.push(at(node, `'${node.text.trim().split(/\s+/).slice(0, 2).join(' ')} …'`));
    if (ts.isTemplateExpression(node) && !tagged && SQL_STRING.test(node.head.text))
      found.sql.push(at(node, `\`${node.head.text.trim().split(/\s+/)[0]} …\``));
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = node.moduleSpecifier.text;
      if (from === 'pg-boss' || from.startsWith('pg-boss/')) found.dataAccess.push(at(node, 'pg-boss'));
      if (/\.repository\.js$/.test(from)) found.dataAccess.push(at(node, 'repository'));
      if (/\/database\/database\.tokens\.js$/.test(from)) found.dataAccess.push(at(node, 'database handle'));
      if (from === 'kysely') found.dataAccess.push(at(node, 'kysely'));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const show = (f: Finding) => `${f.file}:${f.line} ${f.what}`;

describe('SQL, transactions and pg-boss in src/', () => {
  const files = sourceFiles(SRC).map((path) => {
    const file = relative(SRC, path).split(sep).join('/');
    return { file, ...scan(file, readFileSync(path, 'utf8')) };
  });

  it('is read (the guard is not empty)', () => {
    const sqlIn = new Set(files.filter((f) => f.sql.length > 0).map((f) => f.file));
    expect(sqlIn).toContain('jobs/jobs.repository.ts');
    expect(sqlIn).toContain('modules/chunks/chunk-repair.repository.ts');
    expect(sqlIn).toContain('database/migrator.ts');
    expect(
      files.find((f) => f.file === 'modules/orchestration/orchestration.service.ts')?.transactions,
    ).not.toEqual([]);
  });

  it('has SQL only in repositories (and the listed database infrastructure)', () => {
    const misplaced = files
      .filter((f) => !f.file.endsWith('.repository.ts') && !(f.file in SQL_OUTSIDE_REPOSITORIES))
      .flatMap((f) => f.sql);
    expect(misplaced.map(show)).toEqual([]);
  });

  it('begins transactions only in services (repositories take them as `executor`)', () => {
    const misplaced = files
      .filter((f) => !f.file.endsWith('.service.ts') && !(f.file in TRANSACTIONS_OUTSIDE_SERVICES))
      .flatMap((f) => f.transactions);
    expect(misplaced.map(show)).toEqual([]);
  });

  it('keeps its exceptions current (each listed file still needs its exception)', () => {
    const byFile = new Map(files.map((f) => [f.file, f]));
    const stale = [
      ...Object.keys(SQL_OUTSIDE_REPOSITORIES).filter((file) => !byFile.get(file)?.sql.length),
      ...Object.keys(TRANSACTIONS_OUTSIDE_SERVICES).filter((file) => !byFile.get(file)?.transactions.length),
    ];
    expect(stale).toEqual([]);
  });

  it('has controllers that reach data only through services', () => {
    const direct = files
      .filter((f) => f.file.endsWith('.controller.ts'))
      .flatMap((f) => f.dataAccess.filter((d) => d.what !== 'pg-boss'));
    expect(direct.map(show)).toEqual([]);
  });

  it('imports pg-boss only in src/jobs/', () => {
    const outside = files
      .filter((f) => !f.file.startsWith('jobs/'))
      .flatMap((f) => f.dataAccess.filter((d) => d.what === 'pg-boss'));
    expect(outside.map(show)).toEqual([]);
  });
});

describe('the SQL finder', () => {
  const kinds = (text: string) => {
    const found = scan('x.ts', text);
    return {
      sql: found.sql.map((f) => f.what),
      transactions: found.transactions.length,
      dataAccess: found.dataAccess.map((f) => f.what),
    };
  };

  it('finds SQL in its every form, and none in comments or prose', () => {
    expect(
      kinds(`
        await sql\`SELECT 1\`.execute(db);
        await sql<{ locked: boolean }>\`SELECT 2\`.execute(db);
        db.selectFrom('chunks').where(sql.ref('x'), '=', 1);
        await trx.updateTable('chunks').set({}).execute();
        await db.schema.createTable('t').execute();
        await db.executeQuery(CompiledQuery.raw('x', []));
        await client.query('SELECT pg_advisory_lock($1)', [1]);
        await client.query(\`CREATE DATABASE \${name}\`);
      `).sql,
    ).toEqual([
      'sql`…`',
      'sql`…`',
      '.selectFrom(',
      'sql.ref',
      '.updateTable(',
      '.schema.createTable(',
      '.executeQuery(',
      'CompiledQuery',
      "'SELECT pg_advisory_lock($1) …'",
      '`CREATE …`',
    ]);
    expect(
      kinds(`
        // await sql\`SELECT 1\`.execute(db); db.selectFrom('x')
        /** this.db.transaction().execute(async (trx) => …) */
        const message = 'Select a provider, then update the table';
      `),
    ).toEqual({ sql: [], transactions: 0, dataAccess: [] });
  });

  it('finds transactions and data access', () => {
    expect(
      kinds(`
        import { sql, type Kysely } from 'kysely';
        import type { Job } from 'pg-boss';
        import { ChunksRepository } from '../chunks/chunks.repository.js';
        import { InjectDb } from '../../database/database.tokens.js';
        await this.db.transaction().execute(async (trx) => trx);
      `),
    ).toEqual({
      sql: [],
      transactions: 1,
      dataAccess: ['kysely', 'pg-boss', 'repository', 'database handle'],
    });
  });
});
