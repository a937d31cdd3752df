import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { Orchestration } from '../../database/schema.js';
import {
  OrchestrationChangesRepository,
  type ChangeSubscription,
} from './orchestration-changes.repository.js';

type Entry = { row: Orchestration } | { loading: object };

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * The orchestration rows the mobile app polls (every 10 s per running sync), kept in memory by API
 * processes so a poll costs no database round trip. A row is dropped the moment any process
 * changes it: PostgreSQL notifies `orchestration_changed` at commit (migration 0004). Correctness
 * rules:
 * - rows are only cached while the change listener is connected; losing it empties the cache and
 *   every read goes to the database until it is back;
 * - a read that raced a change is not stored: a load first leaves a marker, a change removes it,
 *   and the loaded row is stored only if its own marker is still there;
 * - this process's own transitions also drop the row at once (read-your-writes without waiting
 *   for the notification).
 * Bounded by STATUS_CACHE_SIZE (oldest first out); 0 turns it off.
 */
@Injectable()
export class OrchestrationCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrchestrationCache.name);
  private readonly entries = new Map<string, Entry>();
  private subscription: ChangeSubscription | undefined;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly changes: OrchestrationChangesRepository,
  ) {}

  private get capacity(): number {
    return this.config.role.api ? this.config.database.statusCacheSize : 0;
  }

  /** True while rows are being cached (listener connected). */
  get active(): boolean {
    return this.subscription !== undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.capacity > 0) await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const subscription = this.subscription;
    this.subscription = undefined;
    this.entries.clear();
    await subscription?.close();
  }

  /** The row from memory, else from `load` (stored when no change raced it). */
  async get(id: string, load: () => Promise<Orchestration | undefined>): Promise<Orchestration | undefined> {
    if (!this.active) return load();
    const entry = this.entries.get(id);
    if (entry && 'row' in entry) return entry.row;
    const marker = {};
    this.entries.set(id, { loading: marker });
    let row: Orchestration | undefined;
    try {
      row = await load();
    } finally {
      const current = this.entries.get(id);
      if (current && 'loading' in current && current.loading === marker) {
        if (row && this.active) this.store(id, row);
        else this.entries.delete(id);
      }
    }
    return row;
  }

  invalidate(id: string): void {
    this.entries.delete(id);
  }

  private store(id: string, row: Orchestration): void {
    this.entries.delete(id); // re-inserted last: the oldest entries are evicted first
    this.entries.set(id, { row });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  private async connect(): Promise<void> {
    try {
      const subscription = await this.changes.listen({
        onChange: (id) => this.invalidate(id),
        onLost: (error) => this.lost(error),
      });
      if (this.stopped) return void (await subscription.close());
      this.subscription = subscription;
      this.reconnectDelay = RECONNECT_MIN_MS;
    } catch (error) {
      this.logger.warn(
        `status cache off: cannot listen for orchestration changes (${(error as Error).message})`,
      );
      this.scheduleReconnect();
    }
  }

  private lost(error: Error): void {
    this.subscription = undefined;
    this.entries.clear(); // changes may have been missed
    this.logger.warn(`status cache off until the change listener reconnects: ${error.message}`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }
}
