import type { ProviderName } from '../../database/schema.js';

/**
 * Where a person sees a record a provider holds. Strava has a page per activity; Google Health has
 * none of its own, so Fitbit records link to Fitbit's exercise page.
 */
export function recordUrl(provider: ProviderName, recordId: string): string {
  return provider === 'strava'
    ? `https://www.strava.com/activities/${encodeURIComponent(recordId)}`
    : `https://www.fitbit.com/activities/exercise/${encodeURIComponent(recordId)}`;
}
