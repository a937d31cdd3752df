import { Injectable } from '@nestjs/common';
import type { Kysely, Transaction } from 'kysely';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { notFound, ProblemException, validationFailed } from '../../common/errors/problem.exception.js';
import { decodeCursor, page } from '../../common/http/cursor.js';
import { retryTransaction } from '../../database/database-errors.js';
import { InjectDb } from '../../database/database.tokens.js';
import type { Connection, DB, ProviderName } from '../../database/schema.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import {
  IdempotencyService,
  type Idempotent,
  type IdempotencyRequest,
} from '../idempotency/idempotency.service.js';
import { isTimeZone } from '../../common/civil-date.js';
import { SyncStartService } from '../orchestration/sync-start.service.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import type { AuthorizedAccount } from '../providers/provider-connector.js';
import { ProviderAuthError } from '../providers/provider-errors.js';
import { ReauthService } from '../orchestration/reauth.service.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { descriptorOf, usesOAuth } from '../providers/provider-descriptors.js';
import { ArchivesService } from '../archives/archives.service.js';
import { TokenService } from '../providers/tokens/token.service.js';
import { ConnectionStoreRepository } from '../connection-store/connection-store.repository.js';
import type {
  AuthorizeUrlQueryDto,
  ConnectionDto,
  ConnectionListDto,
  CreateConnectionDto,
  ListConnectionsQueryDto,
  ProviderGrantDto,
} from './dto/connection.dto.js';
import { OAuthStateService } from './oauth-state.service.js';
import { ProviderAccountsRepository } from '../providers/accounts/provider-accounts.repository.js';

export function toConnectionDto(
  c: Connection,
  initialSyncId: string | null,
  reauth?: { provider: ProviderName; since: Date },
): ConnectionDto {
  return {
    id: c.id,
    source: { provider: c.source_provider, externalUserId: c.source_external_user_id },
    destination: { provider: c.destination_provider, externalUserId: c.destination_external_user_id },
    timezone: c.timezone,
    status: reauth ? 'REAUTH_REQUIRED' : 'ACTIVE',
    ...(reauth ? { reauth: { provider: reauth.provider, since: reauth.since.toISOString() } } : {}),
    createdAt: c.created_at.toISOString(),
    initialSync: initialSyncId ? { orchestrationId: initialSyncId } : null,
  };
}

/**
 * Connections (US-31): the server exchanges both authorization codes at the providers' token
 * endpoints, stores the tokens encrypted, and in one transaction creates the connection and starts
 * its automatic last-7-days sync, for every tier.
 */
@Injectable()
export class ConnectionsService {
  constructor(
    @InjectDb() private readonly db: Kysely<DB>,
    private readonly connections: ConnectionStoreRepository,
    private readonly accounts: ProviderAccountsRepository,
    private readonly registry: ProviderRegistry,
    private readonly tokens: TokenService,
    private readonly syncs: SyncStartService,
    private readonly orchestrations: OrchestrationService,
    private readonly idempotency: IdempotencyService,
    private readonly analytics: AnalyticsService,
    private readonly reauth: ReauthService,
    private readonly states: OAuthStateService,
    private readonly archives: ArchivesService,
  ) {}

  /** The consent URL, with a new server-side state (and PKCE challenge) bound to the caller. */
  async authorizeUrl(
    user: AuthUser,
    query: AuthorizeUrlQueryDto,
  ): Promise<{ url: string; state: string; expiresAt: string }> {
    const consent = await this.states.issue(user.userId, query.provider, query.redirectUri);
    const url = this.registry.get(query.provider).authorizeUrl({
      redirectUri: query.redirectUri,
      state: consent.state,
      loginHint: query.loginHint,
      codeChallenge: consent.codeChallenge,
    });
    return { url, state: consent.state, expiresAt: consent.expiresAt.toISOString() };
  }

  async create(
    user: AuthUser,
    body: CreateConnectionDto,
    idempotency?: IdempotencyRequest<ConnectionDto>,
  ): Promise<Idempotent<ConnectionDto>> {
    const scope = idempotency && this.idempotency.scope(user.userId, idempotency);
    const timezone = body.timezone ?? 'UTC';
    const errors = [
      ...(isTimeZone(timezone)
        ? []
        : [{ field: 'timezone', message: `${timezone} is not an IANA time zone` }]),
      ...(body.source.provider === body.destination.provider
        ? [{ field: 'destination.provider', message: 'source and destination must be different providers' }]
        : []),
      ...(descriptorOf(body.source.provider).roles.source
        ? []
        : [{ field: 'source.provider', message: `${body.source.provider} cannot be a source` }]),
      ...(descriptorOf(body.destination.provider).roles.destination && usesOAuth(body.destination.provider)
        ? []
        : [
            {
              field: 'destination.provider',
              message: `${body.destination.provider} cannot be a destination`,
            },
          ]),
    ];
    if (errors.length > 0) throw validationFailed(errors);
    const replay = scope && (await this.idempotency.lookup<ConnectionDto>(scope));
    if (replay) return replay;

    // an uploaded archive is the source: the caller's, READY; no code to exchange, no 7-day sync
    const archiveId = usesOAuth(body.source.provider) ? undefined : body.source.archiveId!;
    if (archiveId && !(await this.archives.readyForConnection(user, archiveId)))
      throw validationFailed([
        {
          field: 'source.archiveId',
          message: 'no READY archive of yours has this id (see GET /v1/archives)',
        },
      ]);
    const sourceGrant = body.source as ProviderGrantDto;
    const consents = {
      source: archiveId ? undefined : await this.redeemState(user, sourceGrant, 'source'),
      destination: await this.redeemState(user, body.destination, 'destination'),
    };
    const source: AuthorizedAccount = archiveId
      ? {
          externalUserId: archiveId,
          grant: { accessToken: '', refreshToken: null, expiresAt: null, scopes: null },
        }
      : await this.authorize(sourceGrant, 'source', consents.source?.codeVerifier);
    const destination = await this.authorize(
      body.destination,
      'destination',
      consents.destination.codeVerifier,
    );
    const work = async (trx: Transaction<DB>) => {
      const [from, to] = [
        await this.accounts.upsert(
          trx,
          { userId: user.userId, provider: body.source.provider, externalUserId: source.externalUserId },
          this.tokens.seal(source.grant),
        ),
        await this.accounts.upsert(
          trx,
          {
            userId: user.userId,
            provider: body.destination.provider,
            externalUserId: destination.externalUserId,
          },
          this.tokens.seal(destination.grant),
        ),
      ];
      const connection = await this.connections.create(
        {
          user_id: user.userId,
          source_provider: body.source.provider,
          source_account_id: from.id,
          source_external_user_id: source.externalUserId,
          destination_provider: body.destination.provider,
          destination_account_id: to.id,
          destination_external_user_id: destination.externalUserId,
          timezone,
        },
        trx,
      );
      if (archiveId) return toConnectionDto(connection, null);
      const initial = await this.syncs.startInitialSync(trx, connection);
      await this.analytics.record(
        {
          type: 'SYNC_REQUESTED',
          userId: user.userId,
          orchestrationId: initial.id,
          properties: { preset: 'LAST_7_DAYS', kind: 'INITIAL_7_DAY', chunks: initial.total_chunks },
        },
        trx,
      );
      return toConnectionDto(connection, initial.id);
    };
    if (scope) return this.idempotency.run(scope, work);
    return { replayed: false, result: await this.db.transaction().execute(work) };
  }

  async list(user: AuthUser, query: ListConnectionsQueryDto): Promise<ConnectionListDto> {
    const limit = query.limit ?? 20;
    const rows = await this.connections.listForUser(user.userId, limit + 1, decodeCursor(query.cursor));
    const ids = rows.map((r) => r.id);
    const [initial, reauth] = await Promise.all([
      this.connections.initialSyncs(ids),
      this.connections.reauthOf(ids),
    ]);
    return page(rows, limit, (c) => toConnectionDto(c, initial.get(c.id) ?? null, reauth.get(c.id)));
  }

  async get(user: AuthUser, id: string): Promise<ConnectionDto> {
    const connection = await this.connections.findForUser(id, user.userId);
    if (!connection) throw notFound('Connection');
    return this.toDto(connection);
  }

  private async toDto(connection: Connection, executor?: Kysely<DB>): Promise<ConnectionDto> {
    const [initial, reauth] = await Promise.all([
      this.connections.initialSyncs([connection.id]),
      this.connections.reauthOf([connection.id], executor),
    ]);
    return toConnectionDto(connection, initial.get(connection.id) ?? null, reauth.get(connection.id));
  }

  /**
   * A new authorization code for one side of a connection whose grant was revoked: the code must
   * belong to the same provider account; its tokens replace the old ones and the syncs paused for
   * REAUTH_REQUIRED resume where they stopped, in one transaction.
   */
  async reauthorize(user: AuthUser, id: string, body: ProviderGrantDto): Promise<ConnectionDto> {
    const connection = await this.connections.findForUser(id, user.userId);
    if (!connection) throw notFound('Connection');
    const side =
      body.provider === connection.source_provider
        ? 'source'
        : body.provider === connection.destination_provider
          ? 'destination'
          : undefined;
    if (!side)
      throw validationFailed([
        { field: 'provider', message: `this connection has no ${body.provider} account` },
      ]);
    const consent = await this.states.consume(user.userId, body.provider, body.state, body.redirectUri);
    const authorized = await this.authorize(body, side, consent.codeVerifier);
    const expected =
      side === 'source' ? connection.source_external_user_id : connection.destination_external_user_id;
    if (authorized.externalUserId !== expected)
      throw validationFailed([
        {
          field: 'authorizationCode',
          message: `the code belongs to another ${body.provider} account than this connection's`,
        },
      ]);
    const { dto, resumed } = await retryTransaction(() =>
      this.db.transaction().execute(async (trx) => {
        const account = await this.accounts.upsert(
          trx,
          { userId: user.userId, provider: body.provider, externalUserId: authorized.externalUserId },
          this.tokens.seal(authorized.grant),
        );
        const resumed = await this.reauth.resumeAfterReauthorization(trx, account.id);
        return { dto: await this.toDto(connection, trx), resumed };
      }),
    );
    this.reauth.invalidate(resumed);
    return dto;
  }

  /**
   * Deletes the connection and cancels its running syncs, in one transaction; an archive it reads
   * goes with it (unless another connection reads it too), its file once that commits.
   */
  async delete(user: AuthUser, id: string): Promise<void> {
    const { cancelled, archiveId } = await this.db.transaction().execute(async (trx) => {
      const connection = await this.connections.findForUser(id, user.userId, trx);
      if (!connection) throw notFound('Connection');
      const chunks = await this.orchestrations.cancelForConnection(trx, id);
      await this.connections.markDeleted(id, trx);
      const archive = usesOAuth(connection.source_provider)
        ? undefined
        : await this.archives.deleteWithConnection(trx, connection.source_external_user_id);
      return { cancelled: chunks, archiveId: archive };
    });
    this.orchestrations.countCancelledChunks(cancelled);
    if (archiveId) await this.archives.removeFile(archiveId);
  }

  private redeemState(user: AuthUser, grant: ProviderGrantDto, side: 'source' | 'destination') {
    return this.states.consume(user.userId, grant.provider, grant.state, grant.redirectUri, `${side}.state`);
  }

  private async authorize(
    grant: ProviderGrantDto,
    side: 'source' | 'destination',
    codeVerifier?: string,
  ): Promise<AuthorizedAccount> {
    try {
      return await this.registry
        .get(grant.provider)
        .exchangeCode(grant.authorizationCode, grant.redirectUri, codeVerifier);
    } catch (error) {
      if (error instanceof ProviderAuthError) {
        throw new ProblemException(
          422,
          ErrorCode.ProviderAuthFailed,
          `${grant.provider} rejected the ${side} authorization code: ${error.message}`,
          {
            errors: [
              {
                field: `${side}.authorizationCode`,
                message: 'rejected by the provider (expired, used, or issued for another redirectUri)',
              },
            ],
          },
        );
      }
      throw error; // other provider faults answer 503 PROVIDER_UNAVAILABLE (problem.filter.ts)
    }
  }
}
