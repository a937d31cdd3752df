import { Injectable, Logger } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import type { DB, Orchestration } from '../../database/schema.js';
import { ChunkQueue } from '../chunks/chunk-queue.js';
import { ChunksRepository } from '../chunks/chunks.repository.js';
import { ConnectionStoreRepository } from '../connection-store/connection-store.repository.js';
import { ProviderAccountsRepository } from '../providers/accounts/provider-accounts.repository.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { OrchestrationCache } from './orchestration-cache.service.js';
import { OrchestrationRepository } from './orchestration.repository.js';
import { fromStatuses, resumeTarget } from './orchestration-state.js';

/**
 * A revoked grant pauses, it does not destroy (issue 13): every running sync of every connection
 * that uses the account goes PAUSED with pauseReason REAUTH_REQUIRED (unfinished chunks stay
 * PENDING, their queued jobs are cancelled), and the user gets one N-07 per connection and
 * revocation. Reconnecting the account resumes those syncs where they stopped.
 */
@Injectable()
export class ReauthService {
  private readonly logger = new Logger(ReauthService.name);

  constructor(
    private readonly connections: ConnectionStoreRepository,
    private readonly accounts: ProviderAccountsRepository,
    private readonly orchestrations: OrchestrationRepository,
    private readonly chunks: ChunksRepository,
    private readonly queue: ChunkQueue,
    private readonly notifications: NotificationsService,
    private readonly cache: OrchestrationCache,
  ) {}

  /**
   * Inside the caller's transaction: pauses what depends on a REVOKED account (the token service
   * marked it). Undefined when the account is not revoked (any more): the user reconnected meanwhile.
   */
  async pauseForRevokedAccount(
    trx: Transaction<DB>,
    accountId: string,
  ): Promise<Orchestration[] | undefined> {
    const account = await this.accounts.find(accountId, trx);
    if (!account || account.status !== 'REVOKED') return undefined;
    const paused: Orchestration[] = [];
    for (const connection of await this.connections.usingAccount(accountId, trx)) {
      for (const o of await this.orchestrations.listActiveForConnection(
        trx,
        connection.id,
        fromStatuses('reauthPause'),
      )) {
        const jobIds = await this.chunks.detachPendingJobs(trx, o.id);
        await this.queue.cancel(trx, jobIds);
        const changed = await this.orchestrations.transition(trx, o.id, [o.status], 'PAUSED', {
          pauseReason: 'REAUTH_REQUIRED',
        });
        if (changed) paused.push(changed);
      }
      await this.notifications.onGrantRevoked(trx, {
        userId: connection.user_id,
        connectionId: connection.id,
        provider: account.provider,
        revokedAt: account.revoked_at ?? account.updated_at,
      });
    }
    if (paused.length > 0)
      this.logger.warn(
        `the ${account.provider} grant of account ${accountId} is gone: paused ${paused.length} sync(s) until the user reconnects`,
      );
    return paused;
  }

  /**
   * Inside the caller's transaction, after an account was authorized again: resumes the syncs
   * paused for REAUTH_REQUIRED of every connection using it whose accounts are all ACTIVE now.
   */
  async resumeAfterReauthorization(trx: Transaction<DB>, accountId: string): Promise<Orchestration[]> {
    const resumed: Orchestration[] = [];
    const connections = await this.connections.usingAccount(accountId, trx);
    const stillRevoked = await this.connections.reauthOf(
      connections.map((c) => c.id),
      trx,
    );
    for (const connection of connections) {
      if (stillRevoked.has(connection.id)) continue;
      for (const o of await this.orchestrations.listActiveForConnection(
        trx,
        connection.id,
        fromStatuses('reauthResume'),
      )) {
        if (o.pause_reason !== 'REAUTH_REQUIRED') continue;
        resumed.push(await this.resumeLocked(trx, o));
      }
    }
    return resumed;
  }

  /** Resumes a locked PAUSED orchestration: its PENDING chunks without a job get new ones. */
  async resumeLocked(trx: Kysely<DB>, o: Orchestration): Promise<Orchestration> {
    const resumed = (await this.orchestrations.transition(
      trx,
      o.id,
      fromStatuses('resume'),
      resumeTarget(o),
    ))!;
    const pending = await this.chunks.resetToPending(trx, o.id, ['PENDING'], { withoutJob: true });
    await this.queue.enqueue(trx as Transaction<DB>, o, pending);
    return resumed;
  }

  /** Whether a connection's accounts are all usable (a REAUTH_REQUIRED pause may not resume otherwise). */
  async connectionUsable(connectionId: string, executor?: Kysely<DB>): Promise<boolean> {
    return !(await this.connections.reauthOf([connectionId], executor)).has(connectionId);
  }

  /** Drops cached rows of orchestrations changed by a committed transaction. */
  invalidate(orchestrations: Orchestration[]): void {
    for (const o of orchestrations) this.cache.invalidate(o.id);
  }
}
