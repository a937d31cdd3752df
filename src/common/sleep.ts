import { setTimeout as wait } from 'node:timers/promises';

/**
 * The service's one abortable sleep (`node:timers/promises`). Waits `ms`; when `signal` aborts (or
 * already has) it rejects at once with the signal's own reason, as the callers' error handling expects.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}
