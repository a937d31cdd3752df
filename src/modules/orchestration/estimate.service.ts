import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { ProviderName } from '../../database/schema.js';
import { estimateSyncCost } from '../providers/cost-model.js';
import { descriptorOf } from '../providers/provider-descriptors.js';
import { daysBetween } from '../../common/civil-date.js';
import type { DateRange } from './date-range.js';
import type { EstimateDto } from './dto/estimate.dto.js';

/**
 * FR-2: how long a range will take, from each provider's cost model and quotas, and, when syncs are
 * queued for the same budgets, from the fair queue ahead (QueueEtaService).
 */
@Injectable()
export class EstimateService {
  constructor(private readonly config: AppConfig) {}

  estimate(
    source: ProviderName,
    destination: ProviderName,
    range: DateRange,
    totalChunks: number,
    queueSeconds?: number,
    knownRecords?: number,
  ): EstimateDto {
    const days = daysBetween(range.startDate, range.endDate) + 1;
    const cost = estimateSyncCost({
      timeScale: this.config.providers.timeScale,
      source: descriptorOf(source).costModel,
      destination: descriptorOf(destination).costModel,
      days,
      // a source that knows its count (an archive): exact, else the typical account's pace
      ...(knownRecords !== undefined ? { recordsPerDay: knownRecords / days } : {}),
      chunks: totalChunks,
      parallelism: this.config.jobs.chunkUserConcurrency,
    });
    const warnings: EstimateDto['warnings'] = [];
    if (cost.bindingQuota && cost.quotaSeconds > cost.workSeconds) {
      const { provider, bucket, requests, syncsPerDay } = cost.bindingQuota;
      const shared =
        syncsPerDay === null
          ? ''
          : ` Its daily quota, shared by every user of the app, carries about ${syncsPerDay} sync${syncsPerDay === 1 ? '' : 's'} like this one a day (${requests} of its requests each).`;
      warnings.push({
        code: 'PROVIDER_RATE_LIMIT',
        message:
          `${provider}'s ${bucket} request quota, not this service, sets the pace: about ` +
          `${Math.round(cost.quotaSeconds / 60)} min for ${cost.sourceCalls + cost.destinationCalls} requests ` +
          `(the work itself needs about ${Math.max(1, Math.round(cost.workSeconds / 60))} min).${shared}`,
      });
    }
    const alone = Math.max(cost.workSeconds, cost.quotaSeconds);
    if (queueSeconds !== undefined && queueSeconds > alone * 1.25) {
      warnings.push({
        code: 'QUEUE_BACKLOG',
        message:
          `Other syncs are queued for the same provider budgets: about ${Math.max(1, Math.round(queueSeconds / 60))} min ` +
          `in the fair queue (about ${Math.max(1, Math.round(alone / 60))} min on its own).`,
      });
    }
    return {
      ...range,
      totalChunks,
      estimatedSeconds: Math.max(alone, queueSeconds ?? 0),
      estimatedRecords: cost.records,
      estimatedApiCalls: { source: cost.sourceCalls, destination: cost.destinationCalls },
      warnings,
    };
  }
}
