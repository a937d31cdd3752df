import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, switchMap, type Observable } from 'rxjs';
import type { AuthUser } from '../auth/auth.types.js';
import { applyRateLimit } from './rate-limit.headers.js';
import { RateLimitService } from './rate-limit.service.js';

/**
 * The per-user budget: runs after authentication (interceptors follow guards), so it counts the
 * verified `sub`, never a claim an attacker chose. Public routes have no user and are not counted.
 */
@Injectable()
export class UserRateLimitInterceptor implements NestInterceptor {
  constructor(private readonly limits: RateLimitService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!this.limits.enabled || !user) return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    return from(this.limits.consume('user', user.userId)).pipe(
      switchMap((outcome) => {
        const refused = applyRateLimit(res, 'user', outcome);
        if (refused) throw refused;
        return next.handle();
      }),
    );
  }
}
