/** A HISTORICAL sync's ETA fields (queue-eta specs): 10 of 12 chunks done, its last tag `lastTag`. */
export const queuedSync = (lastTag: number) => ({
  id: 'sync-1',
  kind: 'HISTORICAL' as const,
  status: 'IN_PROGRESS' as const,
  fair_last_tag: lastTag,
  created_at: new Date(1_000),
  total_chunks: 12,
  completed_chunks: 10,
  failed_chunks: 0,
});
