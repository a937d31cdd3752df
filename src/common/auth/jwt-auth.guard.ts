import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ExtractJwt } from 'passport-jwt';
import { ErrorCode } from '../errors/error-codes.js';
import { ProblemException } from '../errors/problem.exception.js';
import type { AuthUser } from './auth.types.js';
import { IS_PUBLIC } from './public.decorator.js';
import { VerifiedTokenCache } from './verified-token.cache.js';

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Global guard: every route needs a valid token unless marked {@link Public}. A token that has
 * verified is remembered until it expires ({@link VerifiedTokenCache}): the app polls every 10 s with
 * the same one, and verifying it again would give the same answer.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly verified = new VerifiedTokenCache();

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<Parameters<typeof bearerToken>[0] & { user?: AuthUser }>();
    const token = bearerToken(request);
    const known = token ? this.verified.get(token) : undefined;
    if (known) {
      request.user = known;
      return true;
    }
    const allowed = (await super.canActivate(context)) as boolean;
    if (allowed && token && request.user) this.verified.set(token, request.user);
    return allowed;
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error || !user) {
      const reason =
        info instanceof Error && info.name === 'TokenExpiredError' ? 'The token has expired' : undefined;
      throw new ProblemException(
        401,
        ErrorCode.Unauthenticated,
        reason ?? 'A valid bearer token is required',
      );
    }
    return user;
  }
}
