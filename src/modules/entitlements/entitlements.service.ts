import { Injectable } from '@nestjs/common';
import type { Tier } from '../../database/schema.js';
import { EntitlementsRepository } from './entitlements.repository.js';

export interface EffectiveEntitlement {
  tier: Tier;
  expiresAt: Date | null;
}

/** The entitlement store is the only source of a user's tier; token claims are never trusted for it. */
@Injectable()
export class EntitlementsService {
  constructor(private readonly repository: EntitlementsRepository) {}

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

  async set(userId: string, tier: Tier, expiresAt: Date | null): Promise<EffectiveEntitlement> {
    await this.repository.upsert(userId, tier, tier === 'PRO' ? expiresAt : null);
    return this.effective(userId);
  }
}
