import { readFileSync, readdirSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

function stat(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used, from /proc; with `children`, also its reaped children's. */
export function cpuSeconds(pid: number, children = false): number {
  const f = stat(pid);
  if (!f) return 0;
  return (Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0)) / TICKS;
}

/** Peak resident set size of a process, bytes (VmHWM). */
export const peakRss = (pid: number): number => statusBytes(pid, 'VmHWM');

/** Resident set size of a process now, bytes (VmRSS). */
export const rss = (pid: number): number => statusBytes(pid, 'VmRSS');

function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every PostgreSQL server process on this machine (the postmaster and its backends). */
export function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
      } catch {
        return false;
      }
    });
}

/**
 * Total CPU seconds of every PostgreSQL process: live backends, plus what exited backends used
 * (counted into their postmaster's children times). Sample before and after; the difference is the work.
 */
export function postgresCpuSeconds(): number {
  const pids = postgresPids();
  return pids.reduce((sum, pid) => {
    const parent = Number(stat(pid)?.[1]);
    const isPostmaster = !pids.includes(parent);
    return sum + cpuSeconds(pid, isPostmaster);
  }, 0);
}
