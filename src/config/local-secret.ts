import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A secret kept in a file under the data directory (mode 0600), created on first use. Only for
 * local runs: production passes secrets through the environment.
 */
export function localSecret(dataDir: string, name: string, create: () => string): string {
  const file = join(dataDir, name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const value = create();
    try {
      writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
      return value;
    } catch {
      return readFileSync(file, 'utf8').trim(); // another process created it first
    }
  }
}
