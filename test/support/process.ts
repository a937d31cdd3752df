import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs a TypeScript entry point of the project in a child process (through scripts/register-ts.js). */
export function spawnTs(
  entry: string,
  env: Record<string, string>,
  options: { omit?: string[]; args?: string[] } = {},
): ChildProcess & { output: () => string } {
  const inherited = { ...process.env };
  for (const key of options.omit ?? []) delete inherited[key];
  const child = spawn(
    process.execPath,
    ['--import', './scripts/register-ts.js', entry, ...(options.args ?? [])],
    {
      cwd: ROOT,
      env: { ...inherited, ...env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

/** Waits until the child prints `text` (or fails with what it printed when it exits first). */
export async function waitForOutput(
  child: ChildProcess & { output: () => string },
  text: string | RegExp,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = child.output();
    if (typeof text === 'string' ? out.includes(text) : text.test(out)) return;
    if (child.exitCode !== null)
      throw new Error(`process exited (${child.exitCode}) before printing ${text}:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${text}:\n${child.output().slice(-3000)}`);
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await once(child, 'exit');
}

/** Holds a TCP port (on every interface) until `close()`, as another program would. */
export async function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, () => resolveListen()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
