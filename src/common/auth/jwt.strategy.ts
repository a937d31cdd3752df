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
      secretOrKey: config.auth.jwtSecret,
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
