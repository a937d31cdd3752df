import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectDb } from '../../database/database.tokens.js';
import type { DB, Tier } from '../../database/schema.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { EntitlementsRepository } from './entitlements.repository.js';

export interface EffectiveEntitlement {
  tier: Tier;
  expiresAt: Date | null;
}

/** The entitlement store is the only source of a user's tier; token claims are never trusted for it. */
@Injectable()
export class EntitlementsService {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly repository: EntitlementsRepository,
    private readonly analytics: AnalyticsService,
    private readonly audit: AuditLogRepository,
  ) {}

  /** Users never written are FREE; a PRO whose expiresAt has passed is FREE. */
  async effective(userId: string, now: Date = new Date()): Promise<EffectiveEntitlement> {
    const row = await this.repository.find(userId);
    if (!row || row.tier === 'FREE') return { tier: 'FREE', expiresAt: null };
    if (row.expires_at && row.expires_at.getTime() <= now.getTime())
      return { tier: 'FREE', expiresAt: row.expires_at };
    return { tier: 'PRO', expiresAt: row.expires_at };
  }

  async isPro(userId: string): Promise<boolean> {
    return (await this.effective(userId)).tier === 'PRO';
  }

  /** Sets the tier; becoming PRO records a PRO_GRANTED analytics event in the same transaction. */
  async set(userId: string, tier: Tier, expiresAt: Date | null): Promise<EffectiveEntitlement> {
    const before = await this.effective(userId);
    await this.db.transaction().execute(async (trx) => {
      await this.repository.upsert(userId, tier, tier === 'PRO' ? expiresAt : null, trx);
      if (tier === 'PRO' && before.tier !== 'PRO') {
        await this.analytics.record(
          { type: 'PRO_GRANTED', userId, properties: { expiresAt: expiresAt?.toISOString() ?? null } },
          trx,
        );
      }
    });
    return this.effective(userId);
  }

  /**
   * An admin's (the billing system's) {@link set}, then its entry in the audit log (with `expiresAt`
   * as the request gave it: an RFC 3339 timestamp).
   */
  async setByAdmin(
    adminId: string,
    userId: string,
    tier: Tier,
    expiresAt?: string,
  ): Promise<EffectiveEntitlement> {
    const result = await this.set(userId, tier, expiresAt ? new Date(expiresAt) : null);
    await this.audit.write({
      adminId,
      action: 'entitlement.set',
      target: userId,
      details: { tier, expiresAt: expiresAt ?? null },
    });
    return result;
  }
}
