import { readFileSync } from 'node:fs';
import pg from 'pg';
import ts from 'typescript';
import { createTestDatabase, dropTestDatabase } from './support/database.js';

/**
 * src/database/schema.ts (the types every query is checked against) and the migrated database agree:
 * the same tables, the same columns, and a column is nullable in PostgreSQL exactly when its type
 * admits null. A migration without its schema.ts change (or the reverse) fails here, not in production.
 */

type Columns = Map<string, boolean>; // column -> nullable

function schemaFromTypes(file: string): Map<string, Columns> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const aliases = new Map<string, ts.TypeNode>();
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((node) => {
    if (ts.isTypeAliasDeclaration(node)) aliases.set(node.name.text, node.type);
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
  });
  const nullable = (type: ts.TypeNode): boolean => {
    if (ts.isUnionTypeNode(type)) return type.types.some(nullable);
    if (ts.isLiteralTypeNode(type)) return type.literal.kind === ts.SyntaxKind.NullKeyword;
    if (ts.isParenthesizedTypeNode(type)) return nullable(type.type);
    if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName.getText(source);
      // Generated<T> and ColumnType<Select, Insert, Update>: what a select reads decides
      if ((name === 'Generated' || name === 'ColumnType') && type.typeArguments)
        return nullable(type.typeArguments[0]);
      const alias = aliases.get(name);
      return alias ? nullable(alias) : false;
    }
    return false;
  };
  const db = interfaces.get('DB');
  if (!db) throw new Error(`${file} has no interface DB`);
  const tables = new Map<string, Columns>();
  for (const member of db.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isTypeReferenceNode(member.type)) continue;
    const table = interfaces.get(member.type.typeName.getText(source));
    if (!table)
      throw new Error(`DB.${member.name.getText(source)}: no interface ${member.type.getText(source)}`);
    const columns: Columns = new Map();
    for (const column of table.members)
      if (ts.isPropertySignature(column) && column.type)
        columns.set(column.name.getText(source), nullable(column.type));
    tables.set(member.name.getText(source), columns);
  }
  return tables;
}

async function schemaFromDatabase(url: string): Promise<Map<string, Columns>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
      `SELECT c.table_name, c.column_name, c.is_nullable
         FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
          AND c.table_name NOT LIKE 'kysely\\_migration%'`,
    );
    const tables = new Map<string, Columns>();
    for (const row of rows) {
      if (!tables.has(row.table_name)) tables.set(row.table_name, new Map());
      tables.get(row.table_name)!.set(row.column_name, row.is_nullable === 'YES');
    }
    return tables;
  } finally {
    await client.end();
  }
}

const describeSchema = (tables: Map<string, Columns>) =>
  Object.fromEntries(
    [...tables]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, columns]) => [
        table,
        [...columns]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([column, isNullable]) => `${column}${isNullable ? ' NULL' : ''}`),
      ]),
  );

describe('src/database/schema.ts against the migrated database', () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase();
  });
  afterAll(() => dropTestDatabase(url));

  it('has the same tables, columns and nullability', async () => {
    const types = schemaFromTypes(new URL('../src/database/schema.ts', import.meta.url).pathname);
    expect(types.size).toBeGreaterThan(10);
    expect(describeSchema(types)).toEqual(describeSchema(await schemaFromDatabase(url)));
  });
});
