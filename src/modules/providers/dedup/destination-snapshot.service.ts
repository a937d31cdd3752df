import { Injectable } from '@nestjs/common';
import { sleep } from '../../../common/sleep.js';
import type { AccountRef, ActivityWindow, ProviderConnector } from '../provider-connector.js';
import type { ActivityFacts } from './duplicate-matcher.js';
import {
  DestinationSnapshotsRepository,
  type DestinationSnapshot,
} from './destination-snapshots.repository.js';

/**
 * A window that ends this long before the snapshot was taken is settled history: what the
 * destination holds there no longer changes on its own (a watch uploads late by hours, not days).
 */
const SETTLED_BEFORE_SNAPSHOT_MS = 3 * 86_400_000;
/** A window reaching into recent days trusts a snapshot this young (real time); else it lists anew. */
const RECENT_MAX_AGE_MS = 10 * 60_000;
/** How long a chunk waits for another chunk of its sync that is taking the snapshot. */
const WAIT_FOR_SNAPSHOT_MS = 5_000;

export interface SnapshotRequest {
  orchestrationId: string;
  /** The sync's whole range, with the matcher's margin: what the snapshot lists. */
  syncWindow: ActivityWindow;
  /** The chunk's range, with the margin: what the matcher needs. */
  chunkWindow: ActivityWindow;
  destination: ProviderConnector;
  to: AccountRef;
  signal?: AbortSignal;
}

/**
 * What the destination holds around a chunk, for the duplicate matcher, from one listing per sync
 * (a page per 200 activities over the whole range) instead of one per chunk: the first chunk to
 * need it lists the sync's range under the sync's lock and stores it (destination_snapshots); the
 * others read it. A chunk whose window reaches into the days before the snapshot lists its own
 * window again once the snapshot is older than 10 minutes (the user may have recorded a workout
 * since); so does a chunk that waited 5 s for another chunk's listing in vain.
 */
@Injectable()
export class DestinationSnapshotService {
  constructor(private readonly snapshots: DestinationSnapshotsRepository) {}

  async activities(request: SnapshotRequest): Promise<ActivityFacts[]> {
    const { orchestrationId, chunkWindow, destination, to, signal } = request;
    const snapshot = (await this.snapshots.find(orchestrationId)) ?? (await this.take(request));
    if (snapshot && usable(snapshot, chunkWindow)) {
      const from = chunkWindow.from.getTime();
      const until = chunkWindow.to.getTime();
      return (snapshot.activities as ActivityFacts[]).filter((a) => a.start >= from && a.start <= until);
    }
    return destination.listActivities(to, chunkWindow, signal);
  }

  /** Lists the sync's range once (one chunk at a time); undefined when another chunk took too long. */
  private async take(request: SnapshotRequest): Promise<DestinationSnapshot | undefined> {
    const { orchestrationId, syncWindow, destination, to, signal } = request;
    const deadline = Date.now() + WAIT_FOR_SNAPSHOT_MS;
    for (;;) {
      const lock = await this.snapshots.withLock(orchestrationId, async () => {
        const taken = await this.snapshots.find(orchestrationId);
        if (taken) return taken;
        const activities = await destination.listActivities(to, syncWindow, signal);
        await this.snapshots.save(orchestrationId, activities);
        return { activities, takenAt: new Date() };
      });
      if (lock.held) return lock.value;
      const taken = await this.snapshots.find(orchestrationId);
      if (taken || Date.now() > deadline) return taken;
      await sleep(200, signal);
    }
  }
}

function usable(snapshot: DestinationSnapshot, window: ActivityWindow): boolean {
  const takenAt = snapshot.takenAt.getTime();
  return (
    window.to.getTime() < takenAt - SETTLED_BEFORE_SNAPSHOT_MS || Date.now() - takenAt < RECENT_MAX_AGE_MS
  );
}
