import { readdirSync } from 'node:fs';
import { migrations } from './index.js';

describe('migrations/index.ts', () => {
  it('lists every migration file of the folder, in order', () => {
    const files = readdirSync(import.meta.dirname)
      .filter((f) => /^\d{4}_.+\.ts$/.test(f) && !f.endsWith('.spec.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(migrations)).toEqual(files);
    for (const m of Object.values(migrations)) expect(typeof m.up).toBe('function');
  });
});
