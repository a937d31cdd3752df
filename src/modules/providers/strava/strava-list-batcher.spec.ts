import { getEventListeners } from 'node:events';
import type { StravaSummary } from './strava.mapper.js';
import { StravaListBatcher } from './strava-list-batcher.js';

const DAY = 86_400;
const JAN = Date.parse('2025-01-01T00:00:00Z') / 1000;
const account = { id: 'acc', externalUserId: '7' };
const at = (day: number, id: number): StravaSummary => ({
  id,
  start_date: new Date((JAN + day * DAY + 3600) * 1000).toISOString(),
});
const ACTIVITIES = [at(3, 1), at(35, 2), at(64, 3), at(300, 4)];

/** A batcher over a Strava account holding ACTIVITIES; every list request is logged. */
function batcher(lingerMs = 50) {
  const calls: Array<[number, number]> = [];
  const lists = new StravaListBatcher(
    async (_account, after, before, signal) => {
      calls.push([after, before]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      signal?.throwIfAborted();
      return ACTIVITIES.filter((a) => {
        const start = Date.parse(a.start_date!) / 1000;
        return start > after && start < before;
      });
    },
    () => lingerMs,
  );
  return { lists, calls };
}
const month = (m: number): [number, number] => [JAN + m * 30 * DAY, JAN + (m + 1) * 30 * DAY + DAY];
const ids = (listed: StravaSummary[]) => listed.map((a) => a.id);

describe('StravaListBatcher: confirmation lists of one account, coalesced', () => {
  it('sends one list for chunks due within the linger, when the last is due; each gets its own window', async () => {
    const { lists, calls } = batcher();
    const now = Date.now();
    const [jan, feb, mar] = await Promise.all([
      lists.request(account, ...month(0), now),
      lists.request(account, ...month(1), now + 20),
      lists.request(account, ...month(2), now + 40),
    ]);
    expect(calls).toEqual([[month(0)[0], month(2)[1]]]);
    expect(Date.now() - now).toBeGreaterThanOrEqual(39); // not before the last one was due
    expect([ids(jan), ids(feb), ids(mar)]).toEqual([[1], [2], [3]]);
  });

  it('lists apart: a chunk due after the linger, a window months away, another account', async () => {
    const { lists, calls } = batcher(30);
    const now = Date.now();
    const results = await Promise.all([
      lists.request(account, ...month(0), now),
      lists.request(account, ...month(1), now + 100), // past the first one's linger
      lists.request({ id: 'other', externalUserId: '8' }, ...month(1), now + 100),
    ]);
    const late = await lists.request(account, ...month(9), Date.now());
    expect(calls).toHaveLength(3 + 1);
    expect(results.map(ids)).toEqual([[1], [2], [2]]);
    expect(ids(late)).toEqual([4]);

    const far = batcher(1_000);
    const t = Date.now();
    await Promise.all([
      far.lists.request(account, ...month(0), t),
      far.lists.request(account, ...month(9), t),
    ]);
    expect(far.calls).toHaveLength(2); // January and October never share a list
  });

  it('a chunk that stops leaves the batch; the others still get their list', async () => {
    const { lists, calls } = batcher();
    const stop = new AbortController();
    const now = Date.now();
    const gone = lists.request(account, ...month(0), now + 20, stop.signal);
    const stays = lists.request(account, ...month(1), now + 20);
    stop.abort(new Error('chunk stopped'));
    await expect(gone).rejects.toThrow('chunk stopped');
    expect(ids(await stays)).toEqual([2]);
    expect(calls).toEqual([month(1)]);
  });

  it('leaves no listener on a chunk’s signal once its list is answered (a chunk confirms page after page)', async () => {
    const { lists } = batcher();
    const chunk = new AbortController();
    for (let page = 0; page < 3; page++) {
      const now = Date.now();
      await Promise.all([
        lists.request(account, ...month(0), now, chunk.signal),
        lists.request(account, ...month(1), now + 5, chunk.signal),
      ]);
    }
    expect(getEventListeners(chunk.signal, 'abort')).toHaveLength(0);
  });

  it('a late joiner that leaves no longer holds the others back', async () => {
    const { lists } = batcher(5_000);
    const late = new AbortController();
    const now = Date.now();
    const early = lists.request(account, ...month(0), now);
    const joiner = lists.request(account, ...month(1), now + 3_000, late.signal);
    late.abort(new Error('stopped'));
    await expect(joiner).rejects.toThrow('stopped');
    expect(ids(await early)).toEqual([1]);
    expect(Date.now() - now).toBeLessThan(1_000);
  });

  it('a failed list fails every chunk waiting for it', async () => {
    const lists = new StravaListBatcher(
      async () => {
        throw new Error('rate limited');
      },
      () => 50,
    );
    const now = Date.now();
    const results = await Promise.allSettled([
      lists.request(account, ...month(0), now),
      lists.request(account, ...month(1), now + 10),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
