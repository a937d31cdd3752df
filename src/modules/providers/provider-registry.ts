import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ProviderName } from '../../database/schema.js';
import type { ProviderConnector } from './provider-connector.js';
import { descriptorOf, PROVIDER_DESCRIPTORS } from './provider-descriptors.js';

/** The provider connectors, by id: each registered descriptor's connector (a Nest provider). */
@Injectable()
export class ProviderRegistry {
  private readonly connectors = new Map<ProviderName, ProviderConnector>();

  constructor(private readonly moduleRef: ModuleRef) {}

  get(provider: ProviderName): ProviderConnector {
    const known = this.connectors.get(provider);
    if (known) return known;
    const connector = this.moduleRef.get(descriptorOf(provider).connector, { strict: false });
    if (connector.provider !== provider)
      throw new Error(`the ${provider} descriptor names the connector of ${connector.provider}`);
    this.connectors.set(provider, connector);
    return connector;
  }

  all(): ProviderConnector[] {
    return PROVIDER_DESCRIPTORS.map((d) => this.get(d.id));
  }
}
