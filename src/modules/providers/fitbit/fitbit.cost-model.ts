import type { ProviderCostModel } from '../cost-model.js';

/**
 * Fitbit data through the Google Health API v4: 300 requests/min per user (120,000/min per project).
 * A month is one or two list pages (25 exercises a page); each tracked session needs its TCX
 * export; writing is one dataPoints.create per session.
 */
export const fitbitCostModel: ProviderCostModel = {
  provider: 'fitbit',
  buckets: [
    { name: 'per-user', limit: 300, windowSeconds: 60, scope: 'user' },
    { name: 'per-project', limit: 120_000, windowSeconds: 60, scope: 'application' },
  ],
  read: {
    pagesPerChunk: (records) => Math.max(1, Math.ceil(records / 25)),
    perRecord: 1,
    buckets: ['per-user', 'per-project'],
  },
  write: {
    tracked: { requests: 1, buckets: { 'per-user': 1, 'per-project': 1 } },
    untracked: { requests: 1, buckets: { 'per-user': 1, 'per-project': 1 } },
  },
  latencySeconds: 0.25,
};
