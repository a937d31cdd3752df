// `npm start` runs from dist/: rebuild it only when a source is newer than the last build (a
// directory's mtime changes when a file in it is added or removed, so deletions count too).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import './check-node.js';

const OUTPUT = 'dist/src/main.js';
const INPUTS = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const built = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : 0;
const changed = INPUTS.filter(existsSync).some((input) => newest(input) > built);
if (changed) {
  process.stdout.write('Sources changed since the last build: building (npm run build)\n');
  const result = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) rmSync(OUTPUT, { force: true }); // a failed build is never started
  process.exit(result.status ?? 1);
}
