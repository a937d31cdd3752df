/** True for text PostgreSQL can store and every client can read: no NUL, no lone UTF-16 surrogate. */
export function isSafeText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/**
 * The path of the first string (key or value) in `value` that is not {@link isSafeText}, walked
 * without recursion; undefined when every string is safe.
 */
export function findUnsafeText(value: unknown, root = ''): string | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (!isSafeText(current)) return path || 'body';
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${path}[${i}]`]);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = path ? `${path}.${key}` : key;
        if (!isSafeText(key)) return path || 'body';
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}
