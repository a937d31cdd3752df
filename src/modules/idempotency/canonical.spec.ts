import { canonical, IdempotencyService } from './idempotency.service.js';

/** The recursive definition the iterative walk must match. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

describe('canonical (idempotency fingerprint)', () => {
  it('matches the recursive canonical JSON: key order and whitespace do not matter', () => {
    const samples: unknown[] = [
      null,
      1,
      'x',
      [],
      {},
      [1, [2, [3, { b: 1, a: [null, undefined, 'q'] }]]],
      { z: { y: [1, { x: true }] }, a: 'é"\\', m: undefined },
    ];
    for (const s of samples) expect(canonical(s)).toBe(reference(s));
    expect(canonical({ a: 1, b: 2 })).toBe(canonical(JSON.parse('{ "b": 2,\n "a": 1 }')));
  });

  it('walks a 200,000-level nesting without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(() => IdempotencyService.fingerprint('POST', '/v1/x', deep)).not.toThrow();
    expect(canonical(deep)).toHaveLength(100_000 * '{"k":}'.length + 100_000 * '[]'.length + '1'.length);
  });
});
