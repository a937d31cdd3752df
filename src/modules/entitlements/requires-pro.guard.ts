import {
  Injectable,
  UseGuards,
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { ProblemException } from '../../common/errors/problem.exception.js';
import { ApiErrors } from '../../common/http/api-problems.decorator.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { EntitlementsService } from './entitlements.service.js';

export const UPSELL = { requiredTier: 'PRO', feature: 'HISTORICAL_SYNC' } as const;

/**
 * Lets a request through only when the entitlement store says the caller is PRO now. Otherwise it
 * answers 403 PRO_REQUIRED with the upsell, before the handler runs, so nothing is created.
 */
@Injectable()
export class RequiresProGuard implements CanActivate {
  constructor(
    private readonly entitlements: EntitlementsService,
    private readonly analytics: AnalyticsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const user = context.switchToHttp().getRequest<{ user: AuthUser }>().user;
    if (await this.entitlements.isPro(user.userId)) return true;
    await this.analytics.record({
      type: 'UPSELL_SHOWN',
      userId: user.userId,
      properties: { feature: UPSELL.feature },
    });
    throw new ProblemException(
      403,
      ErrorCode.ProRequired,
      'Historical sync is a Pro feature. Upgrade to Pro to import your history.',
      { upsell: UPSELL },
    );
  }
}

/** Pro only; `before`: guards that answer first (a resource's ownership: 404 before 403). */
export const RequiresPro = (...before: Array<Type<CanActivate>>) =>
  applyDecorators(
    UseGuards(...before, RequiresProGuard),
    ApiErrors({
      PRO_REQUIRED:
        'the caller has no active Pro entitlement (`GET /v1/me/entitlement`); nothing is created, and the body has `upsell: { requiredTier: "PRO", feature: "HISTORICAL_SYNC" }` for the paywall',
    }),
  );
