import { createServer } from 'node:net';

/** An expected startup condition, reported as one line (no stack) by the CLIs. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly variable: string,
    what: string,
  ) {
    super(`Port ${port} (${what}) is already in use: stop what holds it, or set ${variable} to another port`);
    this.name = 'PortInUseError';
  }
}

export function isAddressInUse(error: unknown): error is { code: 'EADDRINUSE'; port?: number } {
  return (error as { code?: string } | null)?.code === 'EADDRINUSE';
}

/** Fails fast with a {@link PortInUseError} when nothing can listen on `port` (0 always passes). */
export async function assertPortFree(
  port: number,
  host: string,
  variable: string,
  what: string,
): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) =>
      reject(isAddressInUse(error) ? new PortInUseError(port, variable, what) : error),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
