import type { ProviderName } from '../../database/schema.js';
import type { CanonicalSession, SourceRecord } from './canonical/canonical-session.js';
import type { ActivityFacts } from './dedup/duplicate-matcher.js';

export interface TokenGrant {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  scopes: string | null;
}

export interface AuthorizedAccount {
  grant: TokenGrant;
  externalUserId: string;
}

/** A provider account the product holds tokens for. */
export interface AccountRef {
  id: string;
  externalUserId: string;
}

/** Civil dates in the connection's time zone, both inclusive. */
export interface ReadRange {
  startDate: string;
  endDate: string;
  timezone: string;
}

export interface ReadPage {
  records: SourceRecord[];
  /** Where the next page starts; null after the last. Saved so a rescheduled chunk resumes there. */
  next: unknown;
  /**
   * The page was cut short by this error (a spent request budget) after `records` were read: they
   * are imported, then the chunk stops with it; `next` is this page's own cursor, so the rerun reads
   * it again and passes them as settled (their detail reads are not made twice).
   */
  interrupted?: Error;
}

export interface WriteResult {
  destinationId: string;
  /** The destination already had it (an earlier run wrote it before its bookkeeping). */
  duplicate: boolean;
}

/**
 * A write the destination took but processes asynchronously (a Strava upload): its outcome is
 * known only once {@link ProviderConnector.confirmWrites} has settled it.
 */
export interface PendingWrite {
  pending: true;
  /** The destination's handle on the write (Strava: the upload id). */
  ref: string;
  /** When the destination took it (ms since the epoch): processing is timed from there. */
  at: number;
}

/**
 * A pending write to confirm: its idempotency key, the session's start, and the write's handle. A
 * handle with an empty `ref` is a write an earlier run may have made (CLAIMED in the ledger): found
 * by its key if it is there, else left out of the answer (the caller writes it).
 */
export interface WriteToConfirm {
  key: string;
  start: string;
  pending: PendingWrite;
  session?: CanonicalSession;
}

/** A span of time at a destination, for reading what it already holds (instants; the zone names civil dates). */
export interface ActivityWindow {
  from: Date;
  to: Date;
  timezone: string;
}

/** Where to send the user for consent, and what the provider sends back with the code. */
export interface AuthorizeUrlRequest {
  redirectUri: string;
  state: string;
  /** Pre-fills the account at the consent screen (the simulators use it as the account name). */
  loginHint?: string;
  /** PKCE S256 challenge (RFC 7636), for providers that support it ({@link ProviderConnector.supportsPkce}). */
  codeChallenge?: string;
}

/** How {@link ProviderConnector.write} writes one record. */
export interface WriteOptions {
  recovering: boolean;
  /** The source provider's display name (its descriptor's), e.g. for "Imported by SyncWell from Fitbit". */
  sourceName: string;
  signal?: AbortSignal;
}

/**
 * One provider's API (not a chunk: see chunks/chunk-processor.ts for what the engine calls), either
 * side of a sync: OAuth, paged reads of a date range, idempotent writes. One folder per provider
 * implements it; its descriptor (provider-descriptor.ts) names it.
 */
export interface ProviderConnector {
  readonly provider: ProviderName;
  /** The provider accepts PKCE (S256): the consent carries a challenge and the exchange its verifier. */
  readonly supportsPkce: boolean;
  authorizeUrl(params: AuthorizeUrlRequest): string;
  exchangeCode(code: string, redirectUri: string, codeVerifier?: string): Promise<AuthorizedAccount>;
  firstDataDate(account: AccountRef): Promise<string | null>;
  /** The source's last data date, for a source whose history ends (an archive); ALL_TIME ends there. */
  lastDataDate?(account: AccountRef): Promise<string | null>;
  /** How many records start in the range, for a source that knows without reading them (the estimate's count). */
  countRecords?(account: AccountRef, range: ReadRange): Promise<number>;
  /**
   * One page of the source's records in the range. `settled`: ids of records this chunk already
   * settled (a rerun after a cut passes them again): the connector may leave out their detail
   * reads (a track, streams) and return their summaries, which are not written again.
   */
  readPage(
    account: AccountRef,
    range: ReadRange,
    cursor: unknown,
    signal?: AbortSignal,
    settled?: ReadonlySet<string>,
  ): Promise<ReadPage>;
  /**
   * Writes one session under an idempotency key derived from its source. Writing the same key
   * twice must not create a second record (the provider's duplicate answer is success).
   * `recovering` says an earlier attempt may have written it already; `sourceName` is the source
   * provider's display name, for a destination that says where a record came from.
   */
  write(
    account: AccountRef,
    session: CanonicalSession,
    key: string,
    options: WriteOptions,
  ): Promise<WriteResult | PendingWrite>;
  /**
   * Settles the writes `write` left pending, together (one list where the provider allows), once
   * the destination has had time to process them. Per key: the result, or the error that write
   * ends in (a refusal, a record fault). A failure of the whole call (the list) throws; the
   * writes then stay unconfirmed, and the ledger's CLAIMED entries make the next run look for them.
   * Only destinations whose `write` can answer {@link PendingWrite} implement it.
   */
  confirmWrites?(
    account: AccountRef,
    writes: WriteToConfirm[],
    signal?: AbortSignal,
  ): Promise<Map<string, WriteResult | Error>>;
  /**
   * Every activity the account holds that starts in the window, as the duplicate matcher sees it
   * (summaries only: no tracks), in as few paged list requests as the provider allows.
   */
  listActivities(account: AccountRef, window: ActivityWindow, signal?: AbortSignal): Promise<ActivityFacts[]>;
}
