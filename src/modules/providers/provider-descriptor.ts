import type { Type } from '@nestjs/common';
import type { ActivityKind } from './canonical/canonical-session.js';
import type { ProviderCostModel } from './cost-model.js';
import type { ProviderConnector } from './provider-connector.js';

/**
 * Everything the service knows about one provider, exported by the provider's own folder
 * (`<id>/<id>.descriptor.ts`) and listed once in `provider-descriptors.ts`. The rest of the code
 * reads providers only through these: the ids the API accepts (DTO enums, OpenAPI), display names
 * in notifications, record links, cost models and quota windows, the Nest providers of the
 * connectors. `provider-descriptors.spec.ts` fails for an incomplete one.
 */
export interface ProviderDescriptor<Id extends string = string> {
  /** The id in the API, the database and the configuration (lower case). */
  readonly id: Id;
  /** How people call it (push notifications, docs). */
  readonly displayName: string;
  /** Which side of a sync it can be. */
  readonly roles: { readonly source: boolean; readonly destination: boolean };
  /** How it authorizes: OAuth 2.0 with these scopes (PKCE where it takes it), or not at all. */
  readonly auth:
    | { readonly kind: 'oauth2'; readonly scopes: readonly string[]; readonly pkce: boolean }
    | { readonly kind: 'none' };
  /** Its request budgets (with their windows) and what a sync costs against them (the estimate). */
  readonly costModel: ProviderCostModel;
  /** Where a person sees a record it holds (the import report's links): every destination has one. */
  recordUrl?(recordId: string): string;
  /** Its activity vocabulary, to and from the canonical kinds. */
  readonly activityKinds: {
    toKind(type: string | undefined): ActivityKind;
    fromKind(kind: ActivityKind): string;
  };
  /** The connector (a Nest provider): its API behind {@link ProviderConnector}. */
  readonly connector: Type<ProviderConnector>;
  /** Its environment variables (credentials, endpoints, limits), as README's configuration lists them. */
  readonly configKeys: readonly string[];
  /** The local simulator the tests, benchmarks and the embedded demo talk to, if any. */
  readonly simulator?: { readonly name: string; readonly portKey: string };
}
