import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DOC = readFileSync(join(ROOT, 'docs/API.md'), 'utf8');
/** The shared contract, beside the checkout (a developer's machine, CI); absent in a lone clone. */
const SHARED = resolve(ROOT, '../shared/contract/API.md');
const SECTION = '## Import report reason codes (this service)';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every `reason: { code: 'X' ... }` (and `code: 'X'` inside a reason object) the import writes. */
function reasonCodesInCode(): Set<string> {
  const codes = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/reason\s*[:=]\s*[^{;]*\{\s*code:\s*'([A-Z_]+)'/g))
      codes.add(match[1]!);
    for (const match of text.matchAll(/\{\s*code:\s*'([A-Z_]+)',\s*message:/g)) {
      if (file.endsWith('chunk-import.ts')) codes.add(match[1]!);
    }
  }
  // the record-fault code is a constant
  const errors = readFileSync(join(ROOT, 'src/modules/chunks/chunk-errors.ts'), 'utf8');
  codes.add(/RECORD_FAULT_CODE = '([A-Z_]+)'/.exec(errors)![1]!);
  return codes;
}

describe('docs/API.md', () => {
  (existsSync(SHARED) ? it : it.skip)(
    'is the shared contract word for word, then this service’s section',
    () => {
      const contract = readFileSync(SHARED, 'utf8');
      const body = DOC.replace(/^<!--[^\n]*-->\n\n/, '');
      expect(body.startsWith(contract)).toBe(true);
      expect(body.slice(contract.length).trimStart().startsWith(SECTION)).toBe(true);
    },
  );

  it('lists every reason code the import report can carry, and only those', () => {
    const section = DOC.slice(DOC.indexOf(SECTION));
    expect(DOC.indexOf(SECTION)).toBeGreaterThan(0);
    const listed = new Set([...section.matchAll(/^- `([A-Z_]+)`/gm)].map((m) => m[1]!));
    const inCode = reasonCodesInCode();
    expect(inCode.size).toBeGreaterThanOrEqual(7);
    expect([...listed].sort()).toEqual([...inCode].sort());
  });
});
