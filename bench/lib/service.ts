import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { peakRss } from './proc.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Extra Node.js flags for service processes, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=bench/profiles'. */
const nodeArgs = () => [
  '--max-semi-space-size=8', // as npm start and the Dockerfile run the service
  '--max-old-space-size=160',
  ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
];

export interface ServiceProcess {
  pid: number;
  url: string;
  /** Peak RSS so far (VmHWM), bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

/**
 * Starts `entry` from the build (`npm run build` first): bench/lib/service-main.mjs by default, or
 * dist/src/main.js, the real entry point; in a child process with `env` and waits until it answers /health/live. */
export async function spawnService(
  env: Record<string, string>,
  port: number,
  entry = 'bench/lib/service-main.mjs',
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs(), entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'], // request logs are written (as in production) and dropped
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || i > 600)
      throw new Error(`service on port ${port} did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  let lastPeak = 0;
  return {
    pid,
    url,
    peakRss: () => (lastPeak = Math.max(lastPeak, peakRss(pid))),
    stop: async () => {
      lastPeak = Math.max(lastPeak, peakRss(pid));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
