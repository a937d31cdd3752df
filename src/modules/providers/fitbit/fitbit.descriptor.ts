import type { ProviderDescriptor } from '../provider-descriptor.js';
import { kindFromGoogle, kindToGoogle } from './fitbit.activity-kinds.js';
import { FitbitConnector, GOOGLE_HEALTH_SCOPES } from './fitbit.connector.js';
import { fitbitCostModel } from './fitbit.cost-model.js';

// the database's vocabulary of providers (schema.ts `ProviderName`) gains this id
declare module '../../../database/schema.js' {
  interface RegisteredProviders {
    fitbit: true;
  }
}

/** Fitbit, through the Google Health API v4 (the Fitbit Web API was retired in 2026). */
export const fitbitDescriptor: ProviderDescriptor<'fitbit'> = {
  id: 'fitbit',
  displayName: 'Fitbit',
  roles: { source: true, destination: true },
  auth: { kind: 'oauth2', scopes: GOOGLE_HEALTH_SCOPES, pkce: true },
  costModel: fitbitCostModel,
  // Google Health has no page of its own per record: Fitbit's exercise page shows it
  recordUrl: (recordId: string) =>
    `https://www.fitbit.com/activities/exercise/${encodeURIComponent(recordId)}`,
  activityKinds: { toKind: kindFromGoogle, fromKind: kindToGoogle },
  connector: FitbitConnector,
  configKeys: [
    'FITBIT_CLIENT_ID',
    'FITBIT_CLIENT_SECRET',
    'GOOGLE_HEALTH_API_BASE_URL',
    'GOOGLE_OAUTH_AUTHORIZE_URL',
    'GOOGLE_OAUTH_TOKEN_URL',
    'GOOGLE_LIMIT_USER_PER_MINUTE',
    'GOOGLE_LIMIT_PROJECT_PER_MINUTE',
  ],
  simulator: { name: 'Google Health API v4', portKey: 'GOOGLE_SIM_PORT' },
};
