import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ErrorCode } from '../errors/error-codes.js';
import { ProblemException } from '../errors/problem.exception.js';
import { IS_PUBLIC } from './public.decorator.js';

/** Global guard: every route needs a valid token unless marked {@link Public}. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
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
