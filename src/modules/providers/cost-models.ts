import type { ProviderName } from '../../database/schema.js';
import type { ProviderCostModel } from './cost-model.js';
import { fitbitCostModel } from './fitbit/fitbit.cost-model.js';
import { stravaCostModel } from './strava/strava.cost-model.js';

export const PROVIDERS: ProviderName[] = ['fitbit', 'strava'];

export const COST_MODELS: Record<ProviderName, ProviderCostModel> = {
  fitbit: fitbitCostModel,
  strava: stravaCostModel,
};
