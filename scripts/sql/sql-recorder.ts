import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { format } from 'sql-formatter';
import type { DB } from '../../src/database/schema.js';

/** Statements one call may run before the recorder stops it (a loop that never sees a row ends here). */
const MAX_STATEMENTS = 25;

class StatementLimit extends Error {}

/**
 * A Kysely dialect that runs nothing: it records each statement the query builder compiles (and the
 * transaction around it) and answers every query with `results` in turn, then with one empty row
 * (so a method that needs a row goes on to its next statement).
 */
class RecordingDriver implements Driver {
  statements: string[] = [];
  results: unknown[][] = [];

  private readonly connection: DatabaseConnection = {
    executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
      this.push(query.sql);
      const rows = (this.results.shift() ?? [{}]) as R[];
      return { rows, numAffectedRows: BigInt(rows.length) };
    },
    // eslint-disable-next-line require-yield
    streamQuery: async function* () {
      throw new Error('streaming is not recorded');
    },
  };

  private push(statement: string): void {
    if (this.statements.length >= MAX_STATEMENTS) throw new StatementLimit();
    this.statements.push(statement);
  }

  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  async beginTransaction(_c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    this.push(
      settings.isolationLevel ? `BEGIN ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}` : 'BEGIN',
    );
  }
  async commitTransaction(): Promise<void> {
    this.push('COMMIT');
  }
  async rollbackTransaction(): Promise<void> {
    this.push('ROLLBACK');
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

export interface Recorder {
  db: Kysely<DB>;
  /** Runs `call`, answering its queries with `results` in turn; the statements it ran, formatted. */
  record(call: () => unknown, results?: unknown[][]): Promise<string[]>;
}

export function sqlRecorder(): Recorder {
  const driver = new RecordingDriver();
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return {
    db,
    async record(call, results = []) {
      driver.statements = [];
      driver.results = [...results];
      let stopped: string | undefined;
      try {
        await call();
      } catch (error) {
        stopped =
          error instanceof StatementLimit
            ? `-- (stopped after ${MAX_STATEMENTS} statements)`
            : `-- (stopped: ${error instanceof Error ? error.name : 'error'} with the recorder's empty results)`;
      }
      const statements = driver.statements.map(formatStatement);
      return stopped ? [...statements, stopped] : statements;
    },
  };
}

/** One statement, laid out for review (Kysely compiles to one line); as compiled if the formatter balks. */
export function formatStatement(statement: string): string {
  const text = statement.trim();
  try {
    return `${format(text, { language: 'postgresql', keywordCase: 'upper', tabWidth: 2 }).trim()};`;
  } catch {
    return `${text.replace(/\s+/g, ' ')};`;
  }
}
