import {
  ahead,
  createdBefore,
  expectedSecondsUntil,
  inFlight,
  lastChunkPosition,
  queuedAhead,
  sameTagAhead,
  secondsUntil,
  type QueueSnapshot,
} from './queue-eta.model.js';
import { queuedSync as queued } from '../../../test/support/queue-eta.js';

const snapshot = (over: Partial<QueueSnapshot> = {}): QueueSnapshot => ({
  takenAt: 0,
  tags: [10, 11, 12],
  cumulative: [4, 8, 12],
  created: [],
  sameAhead: new Map(),
  initial: 0,
  windowMs: 60_000,
  windowStart: 600_000,
  perWindow: 100,
  burstMs: 10_000,
  doneNow: 0,
  lastDoneAt: 600_000,
  paceNow: 0,
  arrivals: 0,
  runningTotal: 0,
  running: new Map(),
  chunkMs: 0,
  ...over,
});

describe('queue model: position in the fair queue, windows of budget', () => {
  it('counts every queued chunk with a lower tag and half of those sharing the tag', () => {
    const s = snapshot();
    expect(ahead(s, 10)).toBe(2);
    expect(ahead(s, 12)).toBe(8 + 2);
    expect(ahead(s, 9)).toBe(0);
    expect(ahead(s, 30)).toBe(12);
    expect(ahead(snapshot({ tags: [], cumulative: [] }), 5)).toBe(0);
  });

  it('puts a chunk behind those sharing its tag whose syncs were created earlier', () => {
    const s = snapshot({ created: [100, 200, 300, 400] });
    expect(createdBefore(s, 300)).toBe(0.5);
    expect(createdBefore(s, 50)).toBe(0);
    expect(createdBefore(s, 500)).toBe(1);
    expect(ahead(s, 11, 0.25)).toBe(4 + 1);
    expect(ahead(s, 11, 1)).toBe(4 + 4);
  });

  it('counts exactly the chunks of earlier syncs that share the tag of a sync’s last queued chunk', () => {
    // A: tags 10..12, B: 11..11 (its last), C: 13..14, D: 11..20, E: 5..9 (all queued before it)
    const syncs = [
      { id: 'A', lo: 10, hi: 12, lastWeight: 1, createdAt: 1 },
      { id: 'B', lo: 11, hi: 11, lastWeight: 1, createdAt: 2 },
      { id: 'C', lo: 13, hi: 14, lastWeight: 1, createdAt: 3 },
      { id: 'D', lo: 11, hi: 20, lastWeight: 1, createdAt: 4 },
      { id: 'E', lo: 5, hi: 9, lastWeight: 1, createdAt: 5 },
    ];
    const ahead = sameTagAhead(syncs);
    expect(ahead.get('A')).toEqual({ tag: 12, weight: 1, count: 0 });
    expect(ahead.get('B')).toEqual({ tag: 11, weight: 1, count: 1 }); // A holds 11
    expect(ahead.get('C')).toEqual({ tag: 14, weight: 1, count: 0 });
    expect(ahead.get('D')).toEqual({ tag: 20, weight: 1, count: 0 });
    expect(ahead.get('E')).toEqual({ tag: 9, weight: 1, count: 0 });
    // a sync done with tag 11 (its chunks from 13 on queued) is not ahead of a later one ending at 11
    const later = sameTagAhead([
      { id: 'X', lo: 13, hi: 30, lastWeight: 1, createdAt: 1 },
      { id: 'Y', lo: 9, hi: 11, lastWeight: 1, createdAt: 2 },
      { id: 'Z', lo: 11, hi: 11, lastWeight: 1, createdAt: 3 },
    ]);
    expect(later.get('Z')).toEqual({ tag: 11, weight: 1, count: 1 });
    // a short last chunk (a few days) weighs its share of a month where it stands
    const short = sameTagAhead([
      { id: 'P', lo: 10, hi: 11, lastWeight: 0.25, createdAt: 1 },
      { id: 'Q', lo: 11, hi: 13, lastWeight: 1, createdAt: 2 },
      { id: 'R', lo: 10, hi: 11, lastWeight: 0.5, createdAt: 3 },
    ]);
    expect(short.get('Q')).toEqual({ tag: 13, weight: 1, count: 0 });
    expect(short.get('R')).toEqual({ tag: 11, weight: 0.5, count: 1.25 }); // P's 0.25 and Q's 1 at tag 11
    // in a snapshot: below the tag, plus the exact count; the fraction only when the last chunk is not queued
    const s = snapshot({
      tags: [10, 11, 12],
      cumulative: [4, 8, 12],
      created: [1, 2, 3, 4],
      sameAhead: ahead,
    });
    const o = { id: 'B', fair_last_tag: 11, created_at: new Date(2) };
    expect(queuedAhead(s, o)).toBe(4 + 1);
    expect(lastChunkPosition({ ...s, initial: 3, runningTotal: 2 }, o)).toBe(3 + 2 + 5 + 1); // B's own weighs 1
    expect(queuedAhead(s, { ...o, fair_last_tag: 12 })).toBe(8 + 4 * 0.25);
  });

  it('places the n-th chunk in the window (and the point of its burst) its position gives', () => {
    // 30 s into a 60-s window whose budget (100 chunks in its first 10 s) is spent
    const spent = snapshot({ doneNow: 100 });
    const now = 630_000;
    expect(secondsUntil(spent, 50, now)).toBe(30 + 5); // next window, half its burst
    expect(secondsUntil(spent, 100, now)).toBe(30 + 10);
    expect(secondsUntil(spent, 250, now)).toBe(30 + 2 * 60 + 5); // third window
    // budget left in this window: 60 chunks still fit, the burst goes on
    const left = snapshot({ doneNow: 40, burstMs: 60_000 });
    expect(secondsUntil(left, 10, 620_000)).toBe(30 - 20); // 50/100 of the window
    expect(secondsUntil(left, 61, 620_000)).toBe(40 + 0.6); // the first of the next: 1/100 of its 60-s burst
  });

  it('answers between two windows where a chunk may fall in either, with capacity ±10 %', () => {
    // 30 s into a 60-s window whose budget (100 chunks in its first 10 s) is spent
    const spent = snapshot({ doneNow: 100 });
    const now = 630_000;
    // well inside the next window: within a fraction of a second of what the measured capacity says
    expect(secondsUntil(spent, 50, now)).toBe(30 + 5);
    expect(Math.abs(expectedSecondsUntil(spent, 50, now) - 35)).toBeLessThan(1);
    // the 100th: at the end of the next window's burst with 10 % more capacity (~39.5 s), in the
    // window after it with 10 % less (~91 s): in between, as little wrong either way
    expect(secondsUntil(spent, 100, now)).toBe(30 + 10);
    const at = (e: number) =>
      secondsUntil({ ...spent, perWindow: 100 * (1 + e), burstMs: 10_000 * (1 + e) }, 100, now);
    const [slow, fast] = [at(-0.1), at(0.1)];
    expect(slow).toBeGreaterThan(90);
    expect(fast).toBeLessThan(40);
    const edge = expectedSecondsUntil(spent, 100, now);
    expect(edge).toBeCloseTo((2 * slow * fast) / (slow + fast), 5);
    expect((edge - fast) / fast).toBeCloseTo((slow - edge) / slow, 5);
  });

  it('leaves room in each later window for the 7-day syncs arriving meanwhile', () => {
    const spent = snapshot({ doneNow: 100, arrivals: 50 });
    // 50 of each later window's 100 go to new 7-day syncs: the 250th is in the fifth window, at its end
    expect(secondsUntil(spent, 250, 630_000)).toBe(30 + 4 * 60 + 10);
    expect(secondsUntil(spent, 25, 630_000)).toBe(37.5); // its share comes after the 50 arrivals: 75/100 of the burst
  });

  it('goes on at a burst’s pace when this window’s burst runs late', () => {
    // 15 s into a window whose bursts took 10 s: 60 of 100 done, so the burst is late
    const late = snapshot({ doneNow: 60 });
    expect(secondsUntil(late, 10, 615_000)).toBeCloseTo(1, 5); // 10 chunks at 0.1 s
    expect(secondsUntil(late, 1, 615_000)).toBeCloseTo(0.1, 5);
  });

  it('takes the pace of the burst under way once it has one', () => {
    // 40 done, the last at 604 s, one every 50 ms so far: the 10th from then at 604.5 s
    const going = snapshot({ doneNow: 40, lastDoneAt: 604_000, paceNow: 50 });
    expect(secondsUntil(going, 10, 604_100)).toBeCloseTo(0.4, 5);
    expect(secondsUntil(going, 10, 606_000)).toBeCloseTo(0.1, 5); // overdue: soon (0.1 s at least)
    expect(secondsUntil(going, 61, 604_100)).toBeCloseTo(55.9 + 0.1, 5); // next window
  });

  it('ends a sync whose chunks left are all running when the last started one is done', () => {
    const running = new Map([['sync-1', { count: 2, lastStartedAt: 10_000, ended: 10 }]]);
    const s = { running, chunkMs: 800, runningTotal: 10, perWindow: 100, doneNow: 50 };
    expect(inFlight(s, queued(19), 10_300)).toBeCloseTo(0.5, 5);
    expect(inFlight(s, queued(19), 12_000)).toBeCloseTo(0.08, 5); // running late
    // one of its two chunks left is still queued, or nothing is measured yet: the queue answers
    expect(inFlight(s, { ...queued(19), completed_chunks: 9 }, 10_300)).toBeUndefined();
    expect(inFlight({ ...s, chunkMs: 0 }, queued(19), 10_300)).toBeUndefined();
    // the window's budget cannot take every running chunk: they go back on the queue
    expect(inFlight({ ...s, doneNow: 95 }, queued(19), 10_300)).toBeUndefined();
    expect(inFlight(s, { ...queued(19), id: 'sync-2' }, 10_300)).toBeUndefined();
    // one of the two ended after the snapshot: the other is the last one left, still running
    expect(inFlight(s, { ...queued(19), completed_chunks: 11 }, 10_300)).toBeCloseTo(0.5, 5);
    // the one running in the snapshot has ended since (the row counts it): the last one is queued
    const one = { ...s, running: new Map([['sync-1', { count: 1, lastStartedAt: 10_000, ended: 10 }]]) };
    expect(inFlight(one, { ...queued(19), completed_chunks: 10 }, 10_300)).toBeUndefined(); // 2 left
    expect(inFlight(one, { ...queued(19), completed_chunks: 11 }, 10_300)).toBeUndefined();
    expect(
      inFlight(
        { ...one, running: new Map([['sync-1', { count: 1, lastStartedAt: 10_000, ended: 11 }]]) },
        { ...queued(19), completed_chunks: 11 },
        10_300,
      ),
    ).toBeCloseTo(0.5, 5);
  });
});
