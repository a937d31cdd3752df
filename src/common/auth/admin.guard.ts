import {
  Injectable,
  UseGuards,
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ErrorCode } from '../errors/error-codes.js';
import { ProblemException } from '../errors/problem.exception.js';
import { ApiErrors } from '../http/api-problems.decorator.js';
import type { AuthUser } from './auth.types.js';

/** Lets through callers whose token has `"admin"` in its `roles` claim; others get 403 FORBIDDEN. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (user?.roles.includes('admin')) return true;
    throw new ProblemException(403, ErrorCode.Forbidden, 'This route needs the admin role');
  }
}

export const AdminOnly = () => applyDecorators(UseGuards(AdminGuard), ApiErrors([ErrorCode.Forbidden]));
