import type { AuthUser } from './auth.types.js';

interface Entry {
  user: AuthUser;
  /** Epoch ms from which the token no longer verifies (its `exp`). */
  expiresAt: number;
}

/**
 * Tokens this process has already verified, so that a client polling every 10 s with the same JWT
 * is not put through HMAC verification and passport on every request. Answers exactly what
 * verification would: only tokens that verified are kept, under the whole token string (any change
 * to it is a miss), and an entry is dropped once the token's `exp` has passed (jsonwebtoken rejects a
 * token from its `exp` second on; `nbf` was already in the past when it verified). FIFO-bounded.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): AuthUser | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.user;
  }

  /** Keeps a token that has just verified; `exp` is read from its (verified) payload. */
  set(token: string, user: AuthUser): void {
    if (this.maxEntries <= 0) return;
    const expiresAt = expiryOf(token);
    if (expiresAt === undefined || this.now() >= expiresAt) return;
    if (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    // shared by every request that presents the token: frozen so no request can change it for the next
    const shared = Object.freeze({ ...user, roles: Object.freeze([...user.roles]) as string[] });
    this.entries.set(token, { user: shared, expiresAt });
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Epoch ms of a JWT's `exp`; undefined without one or when the payload cannot be read (such a token
 * is never kept, so no entry can outlive its token).
 */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
