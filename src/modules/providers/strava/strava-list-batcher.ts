import type { AccountRef } from '../provider-connector.js';
import type { StravaSummary } from './strava.mapper.js';

/** One list request: the activities starting in (after, before), epoch seconds. */
export type ListActivities = (
  account: AccountRef,
  after: number,
  before: number,
  signal?: AbortSignal,
) => Promise<StravaSummary[]>;

/** Windows this much apart (or closer) still share a list: the gap adds about a month of activities. */
const JOIN_GAP_SECONDS = 31 * 86_400;

interface Member {
  batch?: Batch;
  after: number;
  before: number;
  readyAt: number;
  resolve(listed: StravaSummary[]): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
}

interface Batch {
  account: AccountRef;
  members: Member[];
  after: number;
  before: number;
  /** When the list is sent: the latest `readyAt` of its members. */
  fireAt: number;
  /** Members due after this start a batch of their own. */
  deadline: number;
  timer?: NodeJS.Timeout;
}

/**
 * The confirmation lists of one Strava account's chunks, coalesced. A chunk confirms its page's
 * uploads with one activity list once Strava has had time to process them (`readyAt`); chunks of
 * the same user run side by side and often get there within seconds of each other. A list due
 * within `lingerMs` of the first one waiting joins it (a lone one is sent when due), the list is
 * sent when the last of them is due, and each gets the activities of its own window: one read for several chunks instead of one
 * each (reads are the scarcer Strava budget). Windows far apart are listed apart, so a union never
 * pages through months nobody asked for.
 */
export class StravaListBatcher {
  private readonly open = new Map<string, Batch>();

  constructor(
    private readonly list: ListActivities,
    private readonly lingerMs: () => number,
  ) {}

  /** The activities starting in (after, before), listed at `readyAt` (epoch ms) or a little later. */
  request(
    account: AccountRef,
    after: number,
    before: number,
    readyAt: number,
    signal?: AbortSignal,
  ): Promise<StravaSummary[]> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<StravaSummary[]>((resolve, reject) => {
      const onAbort = () => this.leave(member);
      // settled either way, the member no longer listens to its chunk's signal
      const settle =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A) => {
          signal?.removeEventListener('abort', onAbort);
          fn(...args);
        };
      const member: Member = {
        after,
        before,
        readyAt,
        resolve: settle(resolve),
        reject: settle(reject),
        signal,
      };
      const batch = this.open.get(account.id);
      if (batch && readyAt <= batch.deadline && joins(batch, after, before)) {
        member.batch = batch;
        batch.members.push(member);
        batch.after = Math.min(batch.after, after);
        batch.before = Math.max(batch.before, before);
        if (readyAt > batch.fireAt) this.schedule(batch, readyAt);
      } else {
        const fresh: Batch = {
          account,
          members: [member],
          after,
          before,
          fireAt: readyAt,
          deadline: readyAt + this.lingerMs(),
        };
        member.batch = fresh;
        // a batch this one could not join is sent on its own schedule, no longer joinable
        this.open.set(account.id, fresh);
        this.schedule(fresh, readyAt);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private schedule(batch: Batch, fireAt: number): void {
    batch.fireAt = fireAt;
    clearTimeout(batch.timer);
    batch.timer = setTimeout(() => void this.fire(batch), Math.max(0, fireAt - Date.now()));
  }

  /** A member whose chunk stopped before its list was sent leaves the batch (the last one ends it). */
  private leave(member: Member): void {
    const batch = member.batch;
    if (batch?.members.includes(member)) {
      batch.members.splice(batch.members.indexOf(member), 1);
      if (batch.members.length === 0) {
        clearTimeout(batch.timer);
        if (this.open.get(batch.account.id) === batch) this.open.delete(batch.account.id);
      } else {
        batch.after = Math.min(...batch.members.map((m) => m.after));
        batch.before = Math.max(...batch.members.map((m) => m.before));
        // the one that pushed the send time back may be the one gone
        this.schedule(batch, Math.max(...batch.members.map((m) => m.readyAt)));
      }
    }
    member.reject(member.signal?.reason);
  }

  private async fire(batch: Batch): Promise<void> {
    if (this.open.get(batch.account.id) === batch) this.open.delete(batch.account.id);
    const members = batch.members.splice(0);
    if (members.length === 0) return;
    // the request stops only when every chunk waiting for it has stopped
    const stop = new AbortController();
    const stopIfAll = () => {
      if (members.every((m) => m.signal?.aborted)) stop.abort();
    };
    for (const m of members) m.signal?.addEventListener('abort', stopIfAll, { once: true });
    try {
      const listed = await this.list(batch.account, batch.after, batch.before, stop.signal);
      for (const m of members) m.resolve(listed.filter((a) => startsWithin(a, m.after, m.before)));
    } catch (error) {
      for (const m of members) m.reject(error);
    } finally {
      for (const m of members) m.signal?.removeEventListener('abort', stopIfAll);
    }
  }
}

/** Whether a window may share the batch's list: the union adds at most a month between them. */
function joins(batch: Batch, after: number, before: number): boolean {
  const union = Math.max(batch.before, before) - Math.min(batch.after, after);
  return union <= batch.before - batch.after + (before - after) + JOIN_GAP_SECONDS;
}

function startsWithin(activity: StravaSummary, after: number, before: number): boolean {
  const start = Date.parse(activity.start_date ?? '') / 1000;
  return Number.isNaN(start) || (start > after && start < before);
}
