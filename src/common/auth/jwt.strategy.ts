import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config.js';
import { isSafeText } from '../text.js';
import type { AuthUser, TokenClaims } from './auth.types.js';

/**
 * Verifies `Authorization: Bearer <JWT>` (HS256 with JWT_SECRET) and yields the {@link AuthUser}.
 * jsonwebtoken checks the signature, `exp`, `nbf` and (when configured) `iss`/`aud`; {@link checkClaims}
 * adds what it does not: `exp` is required, the lifetime is bounded, `iat` is not in the future, and
 * `sub` is a well-formed string without NUL.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(private readonly config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // a KeyObject made once: given a string, jsonwebtoken builds (and first fails to parse as a
      // public key) a key object on every request, a large share of an authenticated request's CPU
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret)) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
      ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
      ...(config.auth.audience ? { audience: config.auth.audience } : {}),
      jsonWebTokenOptions: { clockTolerance: config.auth.clockToleranceSeconds },
    });
  }

  validate(claims: TokenClaims): AuthUser | false {
    if (!checkClaims(claims, this.config.auth, Date.now())) return false;
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return { userId: claims.sub, roles };
  }
}

/** The checks beyond the signature: required `exp`, bounded lifetime, `iat` not ahead, a clean `sub`. */
export function checkClaims(
  claims: TokenClaims,
  auth: { maxLifetimeSeconds: number; clockToleranceSeconds: number },
  nowMs: number,
): boolean {
  const now = nowMs / 1000;
  const { sub, exp, iat } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || !isSafeText(sub)) return false;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return false;
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return false;
  if (iat !== undefined && iat > now + auth.clockToleranceSeconds) return false;
  const issuedAt = iat ?? now;
  return exp - issuedAt <= auth.maxLifetimeSeconds;
}
