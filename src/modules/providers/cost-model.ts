import type { ProviderName } from '../../database/schema.js';

/** A provider quota: `limit` requests per `windowSeconds`, optionally also `dailyLimit` per day. */
export interface QuotaBucket {
  name: string;
  limit: number;
  windowSeconds: number;
  dailyLimit?: number;
  /** Shared by every user of the application (Strava), or per provider user (Google). */
  scope: 'application' | 'user';
}

/** How many requests of each kind a provider needs, and which quota buckets each kind draws on. */
export interface ProviderCostModel {
  provider: ProviderName;
  buckets: QuotaBucket[];
  /** Reading a chunk: list pages per month plus per-record detail (track) requests. */
  read: { pagesPerChunk: (recordsPerChunk: number) => number; perRecord: number; buckets: string[] };
  /**
   * Writing one record with a GPS track (upload + status poll) or without: requests per record, and
   * how many of them each quota bucket counts.
   */
  write: Record<'tracked' | 'untracked', { requests: number; buckets: Record<string, number> }> & {
    /** Requests a chunk's writes need besides one per record (Strava: the list confirming its uploads). */
    perChunk?: { requests: number; buckets: Record<string, number> };
    /** Requests a sync's writes need once (Strava: listing what the destination already holds). */
    perSync?: { requests: number; buckets: Record<string, number> };
  };
  /** Typical latency of one request, seconds. */
  latencySeconds: number;
}

/** Heuristics for a typical account (PRD FR-2): 4 sessions a week, 60 % of them with GPS. */
export const SESSIONS_PER_DAY = 4 / 7;
export const TRACKED_SHARE = 0.6;

export interface SyncCostInput {
  source: ProviderCostModel;
  destination: ProviderCostModel;
  days: number;
  chunks: number;
  parallelism: number;
  recordsPerDay?: number;
  /** Quota windows run this much faster (the simulators' time scale); 1 for the real providers. */
  timeScale?: number;
}

export interface SyncCost {
  records: number;
  sourceCalls: number;
  destinationCalls: number;
  /** Time the work itself takes at the given parallelism. */
  workSeconds: number;
  /** Lower bound the quotas impose. */
  quotaSeconds: number;
  /**
   * Bucket that imposes quotaSeconds, with what this sync draws on it and, for an application-wide
   * bucket with a daily limit, how many syncs like this one its day carries.
   */
  bindingQuota: {
    provider: ProviderName;
    bucket: string;
    requests: number;
    syncsPerDay: number | null;
  } | null;
}

/**
 * FR-2's estimate: request counts from the cost models, then the larger of the time the work takes
 * and the time the provider quotas allow those requests in.
 */
export function estimateSyncCost(input: SyncCostInput): SyncCost {
  const records = Math.round(input.days * (input.recordsPerDay ?? SESSIONS_PER_DAY));
  const tracked = Math.round(records * TRACKED_SHARE);
  const untracked = records - tracked;
  const perChunk = records / Math.max(1, input.chunks);
  const { source, destination } = input;

  const usage = new Map<string, { provider: ProviderName; bucket: QuotaBucket; requests: number }>();
  const draw = (model: ProviderCostModel, buckets: Record<string, number>, multiplier: number) => {
    for (const [name, perUnit] of Object.entries(buckets)) {
      const requests = perUnit * multiplier;
      const bucket = model.buckets.find((b) => b.name === name);
      if (!bucket) continue;
      const key = `${model.provider}:${name}`;
      const entry = usage.get(key) ?? { provider: model.provider, bucket, requests: 0 };
      entry.requests += requests;
      usage.set(key, entry);
    }
  };

  const listCalls = input.chunks * source.read.pagesPerChunk(perChunk);
  const detailCalls = tracked * source.read.perRecord;
  const sourceCalls = Math.round(listCalls + detailCalls);
  draw(source, Object.fromEntries(source.read.buckets.map((b) => [b, 1])), sourceCalls);
  const { perChunk: chunkWrites, perSync: syncWrites } = destination.write;
  draw(destination, destination.write.tracked.buckets, tracked);
  draw(destination, destination.write.untracked.buckets, untracked);
  if (chunkWrites) draw(destination, chunkWrites.buckets, input.chunks);
  if (syncWrites) draw(destination, syncWrites.buckets, 1);
  const destinationCalls = Math.round(
    tracked * destination.write.tracked.requests +
      untracked * destination.write.untracked.requests +
      (chunkWrites ? chunkWrites.requests * input.chunks : 0) +
      (syncWrites?.requests ?? 0),
  );

  let quotaSeconds = 0;
  let bindingQuota: SyncCost['bindingQuota'] = null;
  for (const { provider, bucket, requests } of usage.values()) {
    // Within one window's allowance there is no wait; beyond it the quota's rate sets the pace.
    const scale = input.timeScale ?? 1;
    let seconds =
      requests <= bucket.limit ? 0 : Math.ceil((requests / bucket.limit) * bucket.windowSeconds * scale);
    if (bucket.dailyLimit && requests > bucket.dailyLimit) {
      seconds = Math.max(seconds, Math.floor(requests / bucket.dailyLimit) * 86_400 * scale);
    }
    if (seconds > quotaSeconds) {
      quotaSeconds = seconds;
      const perDay =
        bucket.scope === 'application' && bucket.dailyLimit ? Math.floor(bucket.dailyLimit / requests) : null;
      bindingQuota = { provider, bucket: bucket.name, requests: Math.round(requests), syncsPerDay: perDay };
    }
  }
  const serialSeconds =
    sourceCalls * source.latencySeconds + destinationCalls * destination.latencySeconds + input.chunks * 0.05;
  const workSeconds = Math.ceil(serialSeconds / Math.max(1, Math.min(input.parallelism, input.chunks)));
  return { records, sourceCalls, destinationCalls, workSeconds, quotaSeconds, bindingQuota };
}
