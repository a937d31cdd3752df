import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The drift guard for "who may call whom" (ARCHITECTURE.md): arrows between the rooms of src/ only run
 * downward. A room is a folder of src/modules/ (`modules/orchestration`) or a top-level folder of src/
 * (`common`, `jobs`, `cli`, `simulators`, …; the files directly in src/ are the room `(src)`). Every
 * relative import and re-export of non-spec code counts, type-only ones too.
 */
const SRC = resolve(import.meta.dirname, '..');
const MIGRATIONS = resolve(SRC, '..', 'migrations');
/**
 * The base rooms, top to bottom: below every feature module, each importing only the ones after it
 * (`jobs` and `common` may import `database` and `config`; `database` only `config`; `config` none).
 */
const BASE_ROOMS = ['jobs', 'common', 'database', 'config'];
/** The entry points: they start the service, its CLIs or the simulators; nothing in modules/ imports them. */
const ENTRY_ROOMS = ['(src)', 'cli', 'simulators'];

interface Edge {
  from: string;
  to: string;
  /** One importing file and its specifier, to name in a failure. */
  example: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function roomOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  if (parts[0] === 'modules' && parts.length > 2) return `modules/${parts[1]}`;
  return parts.length > 1 ? parts[0] : '(src)';
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function roomEdges(): Map<string, Edge> {
  const edges = new Map<string, Edge>();
  for (const file of sourceFiles(SRC)) {
    const from = roomOf(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(SRC + sep)) continue; // migrations/, outside the rooms
      const to = roomOf(target);
      if (from !== to && !edges.has(`${from}->${to}`))
        edges.set(`${from}->${to}`, { from, to, example: `${relative(SRC, file)} imports ${specifier}` });
    }
  }
  return edges;
}

/** The cycles among the given rooms, each as the path of edges that closes it. */
function cycles(edges: Edge[]): Edge[][] {
  const out = new Map<string, Edge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const found: Edge[][] = [];
  const done = new Set<string>();
  const visit = (room: string, path: Edge[]): void => {
    const at = path.findIndex((e) => e.from === room);
    if (at >= 0) return void found.push(path.slice(at));
    if (done.has(room)) return;
    for (const e of out.get(room) ?? []) visit(e.to, [...path, e]);
    done.add(room);
  };
  for (const room of out.keys()) visit(room, []);
  return found;
}

const describeCycle = (cycle: Edge[]) =>
  `${cycle.map((e) => e.from).join(' -> ')} -> ${cycle[0].from}\n${cycle.map((e) => `  ${e.example}`).join('\n')}`;

describe('the import graph of src/', () => {
  const edges = [...roomEdges().values()];

  it('is read (the guard is not empty)', () => {
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'modules/orchestration', to: 'modules/chunks' }),
    );
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'modules/connections', to: 'modules/orchestration' }),
    );
  });

  it('has no cycle between module folders (src/modules/*)', () => {
    const modules = edges.filter((e) => e.from.startsWith('modules/') && e.to.startsWith('modules/'));
    expect(cycles(modules).map(describeCycle)).toEqual([]);
  });

  it('has no import from common/, config/, database/ or jobs/ into a feature module or an entry point', () => {
    const upward = edges.filter((e) => BASE_ROOMS.includes(e.from) && !BASE_ROOMS.includes(e.to));
    expect(upward.map((e) => e.example)).toEqual([]);
  });

  it('orders the base rooms: jobs -> common -> database -> config, each importing only those after it', () => {
    const base = edges.filter((e) => BASE_ROOMS.includes(e.from) && BASE_ROOMS.includes(e.to));
    expect(base).toContainEqual(expect.objectContaining({ from: 'common', to: 'database' }));
    expect(base).toContainEqual(expect.objectContaining({ from: 'database', to: 'config' }));
    const upward = base.filter((e) => BASE_ROOMS.indexOf(e.to) < BASE_ROOMS.indexOf(e.from));
    expect(upward.map((e) => `${e.from} -> ${e.to}: ${e.example}`)).toEqual([]);
  });

  it('has no feature module importing an entry point (src/*.ts, cli/, simulators/)', () => {
    const up = edges.filter((e) => e.from.startsWith('modules/') && ENTRY_ROOMS.includes(e.to));
    expect(up.map((e) => e.example)).toEqual([]);
  });
});

describe('the migrations', () => {
  it('import no app code (only each other and packages)', () => {
    const files = readdirSync(MIGRATIONS).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(files.length).toBeGreaterThan(1);
    const outside = files.flatMap((f) =>
      [...readFileSync(join(MIGRATIONS, f), 'utf8').matchAll(SPECIFIER)]
        .map(([, specifier]) => specifier)
        .filter((specifier) => !specifier.startsWith('./'))
        .map((specifier) => `migrations/${f} imports ${specifier}`),
    );
    expect(outside).toEqual([]);
  });
});

describe('the cycle finder', () => {
  const edge = (from: string, to: string): Edge => ({ from, to, example: `${from}->${to}` });

  it('finds a cycle of three and none in a chain', () => {
    expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a')])).toHaveLength(1);
    expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual([]);
  });
});
