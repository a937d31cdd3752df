import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';

export const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
});

/** Prints an aligned table. */
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0] ?? {});
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padEnd(width(columns[i]))).join('  ')}`;
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(columns.map((c) => '-'.repeat(width(c)))));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c]))));
}

/** Writes bench/results/<name>.json. */
export function writeResult(name: string, result: unknown): string {
  const dir = resolve(import.meta.dirname, '../results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ benchmark: name, machine: machine(), ...(result as object) }, null, 2)}\n`,
  );
  return file;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A bench's targets, one line each: met or MISSED, the measured value and the target. */
export function printTargets(
  title: string,
  checks: Record<string, { target: string; value: unknown; met: boolean }>,
): void {
  console.log(`\n${title}`);
  for (const [name, c] of Object.entries(checks))
    console.log(`  ${c.met ? 'met    ' : 'MISSED '} ${name}: ${String(c.value)}  (${c.target})`);
}
