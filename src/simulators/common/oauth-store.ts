import { createHash, randomBytes } from 'node:crypto';

export interface Grant {
  accountId: string;
  clientId: string;
  scope: string;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  grant: Grant;
}

export type AuthResult =
  { ok: true; grant: Grant } | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'revoked' };

const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

/**
 * Authorization codes, access and refresh tokens of one simulated provider. Codes are single-use
 * and short-lived; revoking an account kills every grant it gave.
 */
export class OAuthStore {
  readonly clients = new Map<string, string>([['syncwell-local', 'syncwell-local-secret']]);
  private readonly codes = new Map<
    string,
    Grant & { redirectUri: string; expiresAt: number; codeChallenge?: string }
  >();
  private readonly access = new Map<string, Grant & { expiresAt: number }>();
  private readonly refresh = new Map<string, Grant>();
  private readonly revoked = new Set<string>();

  constructor(private readonly prefix: string) {}

  /** True when the id and secret match a registered client (or any client may register itself). */
  checkClient(clientId: string | undefined, secret: string | undefined, acceptAny: boolean): boolean {
    if (!clientId) return false;
    const known = this.clients.get(clientId);
    if (known === undefined && acceptAny && secret) {
      this.clients.set(clientId, secret);
      return true;
    }
    return known !== undefined && known === secret;
  }

  /** `codeChallenge`: a PKCE S256 challenge (RFC 7636); its code then redeems only with the verifier. */
  issueCode(grant: Grant, redirectUri: string, codeChallenge?: string): string {
    const code = token(`${this.prefix}c_`);
    this.codes.set(code, { ...grant, redirectUri, codeChallenge, expiresAt: Date.now() + 10 * 60_000 });
    this.revoked.delete(grant.accountId); // consenting again restores access
    return code;
  }

  /** The redirect URI a live code was issued for (without redeeming it); undefined for an unknown code. */
  codeRedirectUri(code: string): string | undefined {
    const entry = this.codes.get(code);
    return entry && entry.expiresAt >= Date.now() ? entry.redirectUri : undefined;
  }

  /**
   * Redeems a code once; undefined when unknown, used, expired, for another client/redirect, or
   * (when it was issued with a PKCE challenge) without the matching `code_verifier`.
   */
  redeemCode(
    code: string,
    clientId: string,
    redirectUri: string | undefined,
    codeVerifier?: string,
  ): Grant | undefined {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    if (!entry || entry.expiresAt < Date.now() || entry.clientId !== clientId) return undefined;
    if (redirectUri !== undefined && redirectUri !== entry.redirectUri) return undefined;
    if (entry.codeChallenge !== undefined) {
      if (!codeVerifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(codeVerifier)) return undefined;
      const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
      if (challenge !== entry.codeChallenge) return undefined;
    }
    return { accountId: entry.accountId, clientId: entry.clientId, scope: entry.scope };
  }

  issueTokens(grant: Grant, lifetimeMs: number, refreshToken?: string): IssuedTokens {
    const accessToken = token(`${this.prefix}a_`);
    const expiresAt = Date.now() + lifetimeMs;
    this.access.set(accessToken, { ...grant, expiresAt });
    const refresh = refreshToken ?? token(`${this.prefix}r_`);
    this.refresh.set(refresh, grant);
    return { accessToken, refreshToken: refresh, expiresAt, grant };
  }

  /**
   * A refresh: new access token; with `rotate`, a new refresh token too, and the old one stops
   * working at once (clients must store the newest).
   */
  useRefreshToken(
    refreshToken: string,
    clientId: string,
    lifetimeMs: number,
    rotate: boolean,
  ): IssuedTokens | undefined {
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.clientId !== clientId || this.revoked.has(grant.accountId)) return undefined;
    if (rotate) this.refresh.delete(refreshToken);
    return this.issueTokens(grant, lifetimeMs, rotate ? undefined : refreshToken);
  }

  authenticate(header: string | undefined): AuthResult {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return { ok: false, reason: 'missing' };
    const entry = this.access.get(match[1]);
    if (!entry) return { ok: false, reason: 'invalid' };
    if (this.revoked.has(entry.accountId)) return { ok: false, reason: 'revoked' };
    if (entry.expiresAt <= Date.now()) return { ok: false, reason: 'expired' };
    return { ok: true, grant: entry };
  }

  /** The user revoked the app: refresh fails with invalid_grant, access tokens with 401. */
  revoke(accountId: string): void {
    this.revoked.add(accountId);
  }

  /** Expires every access token of an account now (to force a refresh). */
  expireAccessTokens(accountId: string): number {
    let n = 0;
    for (const entry of this.access.values()) {
      if (entry.accountId === accountId) {
        entry.expiresAt = 0;
        n++;
      }
    }
    return n;
  }
}
