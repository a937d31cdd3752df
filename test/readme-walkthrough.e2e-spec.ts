import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_JWT_SECRET } from './support/app.js';
import { createTestDatabase, dropTestDatabase } from './support/database.js';
import { freePort, kill, spawnTs } from './support/process.js';

/**
 * README.md's "Walkthrough" section, run as a user pastes it: its ```sh blocks, in order, in one bash
 * session from the project folder, against the service as `npm start` runs it (src/main.ts with its
 * in-process simulators; only the ports and the database differ, and the first block's `API`,
 * `GOOGLE_SIM` and `STRAVA_SIM` lines are pointed at them). What each block prints is compared
 * structurally with the output block the README shows after it: the same JSON keys, value types and
 * values, except ids, codes, tokens and times (and an active sync's moving counters); HTTP heads by
 * status line and the headers shown.
 */
const ROOT = resolve(import.meta.dirname, '..');
const MARK = '@@walkthrough-block-end@@';

interface Step {
  /** The code of the ```sh block. */
  code: string;
  /** The fenced block shown after it (before the next ```sh block), if any. */
  shown?: string;
  line: number;
}

function walkthroughSteps(readme: string): Step[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## Walkthrough'));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const steps: Step[] = [];
  for (let i = start; i < end; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const close = lines.findIndex((l, j) => j > i && l.trim() === '```');
    const body = lines.slice(i + 1, close).join('\n');
    if (open[1] === 'sh') steps.push({ code: body, line: i + 1 });
    else if (steps.length && steps.at(-1)!.shown === undefined) steps.at(-1)!.shown = body;
    i = close;
  }
  return steps;
}

type Item =
  | { kind: 'http'; status: string; headers: [string, string][] }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; words: string[] };

/** An output as what a reader sees: HTTP heads (status line and headers), JSON values, text lines. */
function parseOutput(text: string): Item[] {
  const lines = text.replace(/\r/g, '').split('\n');
  const items: Item[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim() || line.trim() === '...') continue;
    if (/^HTTP\/[\d.]+ \d{3}/.test(line)) {
      const headers: [string, string][] = [];
      for (i++; i < lines.length && lines[i].trim(); i++) {
        const header = /^([\w-]+):\s*(.*)$/.exec(lines[i]);
        if (header) headers.push([header[1].toLowerCase(), header[2].trim()]);
      }
      items.push({ kind: 'http', status: line.trim(), headers });
      continue;
    }
    let parsed: { value: unknown; next: number } | undefined;
    if (/^\s*[[{"\d-]|^\s*(true|false|null)\s*$/.test(line)) {
      for (let j = i; j < lines.length && !parsed; j++) {
        try {
          parsed = { value: JSON.parse(lines.slice(i, j + 1).join('\n')), next: j };
        } catch {
          // not complete yet
        }
      }
    }
    if (parsed) {
      items.push({ kind: 'json', value: parsed.value });
      i = parsed.next;
    } else items.push({ kind: 'text', words: line.trim().split(/\s+/) });
  }
  return items;
}

/** Values that differ from run to run: compared by type only. */
const VOLATILE_KEY = /^(id|url|state|instance|nextCursor|chunkId|recordId)$|Id$|At$/;
/** An active sync's progress moves with timing (it may also be `waiting` for a quota): not compared. */
const PROGRESS_KEYS = [
  'waiting',
  'completedChunks',
  'failedChunks',
  'progressPercent',
  'estimatedSecondsRemaining',
  'records',
];
/** Headers whose values are stable; others (ids, ETags, budgets left, dates) only need to be there. */
const STABLE_HEADERS = ['content-type', 'cache-control', 'ratelimit-limit'];

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** `exact`: equal values; `type`: the same keys and value types; `any`: not compared. */
type Mode = 'exact' | 'type' | 'any';

function compareJson(shown: unknown, actual: unknown, path = '$', mode: Mode = 'exact'): string[] {
  if (mode === 'any') return [];
  if (typeOf(shown) !== typeOf(actual))
    return [`${path}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
  if (Array.isArray(shown)) {
    const a = actual as unknown[];
    if (shown.length !== a.length) return [`${path}: shown ${shown.length} items, got ${a.length}`];
    return shown.flatMap((v, i) => compareJson(v, a[i], `${path}[${i}]`, mode));
  }
  if (shown && typeof shown === 'object') {
    const s = shown as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = (o: object) => Object.keys(o).join(',');
    if (keys(s) !== keys(a)) return [`${path}: shown keys ${keys(s)}, got ${keys(a)}`];
    const active = ['PENDING', 'IN_PROGRESS', 'PAUSED'].includes(String(s.status)) && 'totalChunks' in s;
    return Object.keys(s).flatMap((k) => {
      const keyMode: Mode =
        active && PROGRESS_KEYS.includes(k) ? 'any' : VOLATILE_KEY.test(k) ? 'type' : mode;
      return compareJson(s[k], a[k], `${path}.${k}`, keyMode);
    });
  }
  return mode === 'type' || shown === actual
    ? []
    : [`${path}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
}

function compareOutput(shown: string, actual: string): string[] {
  const s = parseOutput(shown);
  const a = parseOutput(actual);
  if (s.length !== a.length) return [`shown ${s.length} outputs, got ${a.length}`];
  return s.flatMap((item, i): string[] => {
    const got = a[i];
    if (item.kind !== got.kind) return [`output ${i + 1}: shown ${item.kind}, got ${got.kind}`];
    if (item.kind === 'json') return compareJson(item.value, (got as typeof item).value, `output ${i + 1}`);
    if (item.kind === 'text') {
      const words = (got as typeof item).words;
      return words.length === item.words.length &&
        words.every((w, j) => w.slice(0, 3) === item.words[j].slice(0, 3))
        ? []
        : [`output ${i + 1}: shown "${item.words.join(' ')}", got "${words.join(' ')}"`];
    }
    const head = got as typeof item;
    const problems = head.status === item.status ? [] : [`shown "${item.status}", got "${head.status}"`];
    for (const [name, value] of item.headers) {
      const actualValue = head.headers.find(([n]) => n === name)?.[1];
      if (actualValue === undefined) problems.push(`header ${name} missing`);
      else if (STABLE_HEADERS.includes(name) && actualValue !== value)
        problems.push(`header ${name}: shown "${value}", got "${actualValue}"`);
    }
    return problems;
  });
}

/** Runs the blocks in one bash session; the output of each block, split at the markers. */
async function runBlocks(
  script: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ outputs: string[]; stderr: string; code: number | null }> {
  const bash = spawn('bash', ['-s'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  bash.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  bash.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  bash.stdin.end(script);
  const timer = setTimeout(() => bash.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done) => bash.once('close', done));
  clearTimeout(timer);
  return { outputs: stdout.split(`${MARK}\n`), stderr, code };
}

describe('README walkthrough', () => {
  it('every block, pasted in order into bash, prints what the README shows', async () => {
    const steps = walkthroughSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(steps.length).toBeGreaterThan(10);

    const [port, googlePort, stravaPort] = [await freePort(), await freePort(), await freePort()];
    const urls = {
      API: `http://localhost:${port}`,
      GOOGLE_SIM: `http://localhost:${googlePort}`,
      STRAVA_SIM: `http://localhost:${stravaPort}`,
    };
    // the first block says where the service and the simulators are: here, on free ports
    let first = steps[0].code;
    for (const [name, url] of Object.entries(urls)) {
      const line = new RegExp(`^${name}=http://localhost:\\d+$`, 'm');
      expect(first).toMatch(line);
      first = first.replace(line, `${name}=${url}`);
    }
    const script = [first, ...steps.slice(1).map((s) => s.code)]
      .map((code) => `${code}\necho '${MARK}'\n`)
      .join('');

    const databaseUrl = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'syncwell-walkthrough-'));
    const env = { JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dataDir };
    const service = spawnTs(
      'src/main.ts',
      {
        ...env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        GOOGLE_SIM_PORT: String(googlePort),
        STRAVA_SIM_PORT: String(stravaPort),
        LOG_LEVEL: 'warn',
      },
      {
        omit: [
          'NODE_ENV',
          'FITBIT_CLIENT_ID',
          'FITBIT_CLIENT_SECRET',
          'STRAVA_CLIENT_ID',
          'STRAVA_CLIENT_SECRET',
        ],
      },
    );
    try {
      const deadline = Date.now() + 60_000;
      while (
        !(await fetch(`${urls.API}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (service.exitCode !== null || Date.now() > deadline)
          throw new Error(`the service did not start:\n${service.output().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }

      const run = await runBlocks(script, env, 270_000);
      const problems: string[] = [];
      steps.forEach((step, i) => {
        const output = run.outputs[i];
        const where = `README.md:${step.line} (block ${i + 1})`;
        if (output === undefined) return problems.push(`${where}: did not finish`);
        if (step.shown === undefined) {
          if (output.trim()) problems.push(`${where}: prints\n${output}\nbut the README shows nothing`);
          return;
        }
        for (const p of compareOutput(step.shown, output)) problems.push(`${where}: ${p}`);
      });
      if (problems.length)
        throw new Error(
          `${problems.join('\n')}\n\nbash exit ${run.code}; stderr:\n${run.stderr.slice(-3000)}\n` +
            `outputs:\n${run.outputs.join(`--- ${MARK}\n`).slice(-8000)}`,
        );
    } finally {
      await kill(service, 'SIGTERM');
      await dropTestDatabase(databaseUrl);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 360_000);
});
