import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { IdempotencyService } from '../../modules/idempotency/idempotency.service.js';

export interface IdempotencyRequest {
  key: string;
  fingerprint: string;
}

/**
 * The request's `Idempotency-Key` (400 IDEMPOTENCY_KEY_REQUIRED without one) and a fingerprint of
 * the request it names (method, path and canonical JSON body). Put it before `@Body()` so a missing
 * key is reported first.
 */
export const Idempotency = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotencyRequest => {
    const req = context.switchToHttp().getRequest<Request>();
    const key = IdempotencyService.validateKey(req.header('idempotency-key'));
    return { key, fingerprint: IdempotencyService.fingerprint(req.method, req.path, req.body) };
  },
);
