import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config.js';
import type { AuthUser, TokenClaims } from './auth.types.js';

/** Verifies `Authorization: Bearer <JWT>` (HS256 with JWT_SECRET) and yields the {@link AuthUser}. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // a KeyObject made once: given a string, jsonwebtoken builds (and first fails to parse as a
      // public key) a key object on every request, a large share of an authenticated request's CPU
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret)) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: TokenClaims): AuthUser | false {
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 255) return false;
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return { userId: claims.sub, roles };
  }
}
