import { archiveDescriptor } from './archive/archive.descriptor.js';
import { fitbitDescriptor } from './fitbit/fitbit.descriptor.js';
import type { ProviderName } from '../../database/schema.js';
import type { ProviderDescriptor } from './provider-descriptor.js';
import { stravaDescriptor } from './strava/strava.descriptor.js';

/**
 * The providers: adding one is a folder with its descriptor, one line here, and a migration for the
 * database's provider check (see ARCHITECTURE.md, "Adding a provider").
 */
export const PROVIDER_DESCRIPTORS = [fitbitDescriptor, stravaDescriptor, archiveDescriptor] as const;

/** A registered provider's id (the database's `provider` columns hold these). */
export type ProviderId = (typeof PROVIDER_DESCRIPTORS)[number]['id'];

// the registry and the database's vocabulary (schema.ts `ProviderName`) name the same providers
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const registryMatchesSchema: Exactly<ProviderId, ProviderName> = true;
void registryMatchesSchema;

/** The ids, in registry order (DTO enums, OpenAPI, validation messages). */
export const PROVIDER_IDS: ProviderId[] = PROVIDER_DESCRIPTORS.map((d) => d.id);

const BY_ID = new Map<string, ProviderDescriptor<ProviderId>>(PROVIDER_DESCRIPTORS.map((d) => [d.id, d]));

/** The provider authorizes with OAuth (a connection side carries a code); false for an uploaded source. */
export function usesOAuth(provider: string): boolean {
  return BY_ID.get(provider)?.auth.kind !== 'none';
}

/** Where a person sees a record a provider holds (the import report's links). */
export function recordUrl(provider: ProviderId, recordId: string): string {
  const link = descriptorOf(provider).recordUrl;
  if (!link) throw new Error(`${provider} holds no records people can open (it is no destination)`);
  return link(recordId);
}

export function descriptorOf(id: ProviderId): ProviderDescriptor<ProviderId> {
  const descriptor = BY_ID.get(id);
  if (!descriptor) throw new Error(`no provider descriptor for "${id}"`);
  return descriptor;
}

/**
 * The window of the scarcest budget shared by all users of the application (the lowest requests per
 * second of any `application` bucket: Strava's 15 minutes today). It paces every sync together, so
 * the queue's ETA measures throughput per such window and the engine spreads releases over one.
 */
export function pacingWindowMs(): number {
  let slowest: { rate: number; windowMs: number } | undefined;
  for (const { costModel } of PROVIDER_DESCRIPTORS)
    for (const bucket of costModel.buckets) {
      if (bucket.scope !== 'application') continue;
      const rate = bucket.limit / bucket.windowSeconds;
      if (!slowest || rate < slowest.rate) slowest = { rate, windowMs: bucket.windowSeconds * 1000 };
    }
  return slowest?.windowMs ?? 60_000;
}

/** The providers the OpenAPI examples show: a typical sync, Fitbit history into Strava. */
export const EXAMPLE_PROVIDERS: { source: ProviderId; destination: ProviderId } = {
  source: 'fitbit',
  destination: 'strava',
};
