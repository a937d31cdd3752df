import { existsSync } from 'node:fs';

/**
 * Reads `.env` from the working directory when there is one (silently nothing otherwise); variables
 * already in the environment win. Node's `--env-file-if-exists` prints a notice when the file is absent.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
