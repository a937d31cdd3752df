import type { ProviderCostModel } from '../cost-model.js';

/**
 * An uploaded export archive: read from this service's own index (archive_sessions), a page of 25
 * workouts per query, with no provider quota to draw on. Its one bucket is the database's pace, far
 * above any destination's, so the destination's quota decides an estimate.
 */
export const archiveCostModel: ProviderCostModel = {
  provider: 'archive',
  buckets: [{ name: 'index-reads', limit: 100_000, windowSeconds: 60, scope: 'user' }],
  read: {
    pagesPerChunk: (records) => Math.max(1, Math.ceil(records / 25)),
    perRecord: 0,
    buckets: ['index-reads'],
  },
  write: {
    // never a destination
    tracked: { requests: 0, buckets: {} },
    untracked: { requests: 0, buckets: {} },
  },
  latencySeconds: 0.005,
};
