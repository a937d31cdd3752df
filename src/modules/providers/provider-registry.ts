import { Injectable } from '@nestjs/common';
import type { ProviderName } from '../../database/schema.js';
import { FitbitConnector } from './fitbit/fitbit.connector.js';
import type { ProviderConnector } from './provider-connector.js';
import { StravaConnector } from './strava/strava.connector.js';

/** The provider connectors, by name. */
@Injectable()
export class ProviderRegistry {
  private readonly connectors: Record<ProviderName, ProviderConnector>;

  constructor(fitbit: FitbitConnector, strava: StravaConnector) {
    this.connectors = { fitbit, strava };
  }

  get(provider: ProviderName): ProviderConnector {
    const connector = this.connectors[provider];
    if (!connector) throw new Error(`no connector for provider ${provider}`);
    return connector;
  }

  all(): ProviderConnector[] {
    return Object.values(this.connectors);
  }
}
