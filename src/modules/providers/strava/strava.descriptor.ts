import type { ProviderDescriptor } from '../provider-descriptor.js';
import { kindFromStrava, kindToStrava } from './strava.activity-kinds.js';
import { STRAVA_SCOPES, StravaConnector } from './strava.connector.js';
import { stravaCostModel } from './strava.cost-model.js';

// the database's vocabulary of providers (schema.ts `ProviderName`) gains this id
declare module '../../../database/schema.js' {
  interface RegisteredProviders {
    strava: true;
  }
}

/** Strava API v3. */
export const stravaDescriptor: ProviderDescriptor<'strava'> = {
  id: 'strava',
  displayName: 'Strava',
  roles: { source: true, destination: true },
  auth: { kind: 'oauth2', scopes: STRAVA_SCOPES.split(','), pkce: false },
  costModel: stravaCostModel,
  recordUrl: (recordId: string) => `https://www.strava.com/activities/${encodeURIComponent(recordId)}`,
  activityKinds: { toKind: kindFromStrava, fromKind: kindToStrava },
  connector: StravaConnector,
  configKeys: [
    'STRAVA_CLIENT_ID',
    'STRAVA_CLIENT_SECRET',
    'STRAVA_API_BASE_URL',
    'STRAVA_OAUTH_AUTHORIZE_URL',
    'STRAVA_OAUTH_TOKEN_URL',
    'STRAVA_LIMIT_15MIN',
    'STRAVA_LIMIT_DAILY',
    'STRAVA_READ_LIMIT_15MIN',
    'STRAVA_READ_LIMIT_DAILY',
    'STRAVA_UPLOAD_FIRST_POLL_MS',
    'STRAVA_UPLOAD_POLL_MS',
    'STRAVA_UPLOAD_TIMEOUT_SECONDS',
  ],
  simulator: { name: 'Strava API v3', portKey: 'STRAVA_SIM_PORT' },
};
