import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  UseInterceptors,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import {
  IdempotentReplayInterceptor,
  respondAs,
  type IdempotentRouteOptions,
} from './idempotent-replay.interceptor.js';
import { IdempotencyService, type IdempotencyRequest } from './idempotency.service.js';

export type { IdempotentRouteOptions } from './idempotent-replay.interceptor.js';

const ROUTE_OPTIONS = Symbol('idempotent-route');
const reflector = new Reflector();

/**
 * An idempotent route (FR-6): its handler returns the service's `Idempotent<T>`; the first answer is
 * `status` with `Location: location(body)`, and a replay is the stored first answer with
 * `Idempotent-Replayed: true`. Pair it with an `@Idempotency()` parameter passed to the service.
 */
export function IdempotentRoute<T>(options: IdempotentRouteOptions<T>): MethodDecorator {
  return applyDecorators(
    SetMetadata(ROUTE_OPTIONS, options),
    UseInterceptors(new IdempotentReplayInterceptor(options as IdempotentRouteOptions<unknown>)),
  );
}

/**
 * The request's `Idempotency-Key` and a fingerprint of the request it names (method, path and
 * canonical JSON body), with how the route answers. On a `required` route a missing or malformed key
 * is 400 IDEMPOTENCY_KEY_REQUIRED here (put it before `@Body()` so it is reported first); on an
 * optional route it is undefined without the header, and the service's `IdempotencyService.scope`
 * checks the key.
 */
export const Idempotency = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotencyRequest | undefined => {
    const options = reflector.get<IdempotentRouteOptions<unknown> | undefined>(
      ROUTE_OPTIONS,
      context.getHandler(),
    );
    if (!options) throw new Error('@Idempotency() needs @IdempotentRoute() on the route');
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.header('idempotency-key');
    if (header === undefined && !options.required) return undefined;
    const key = options.required ? IdempotencyService.validateKey(header) : (header as string);
    return {
      key,
      fingerprint: IdempotencyService.fingerprint(req.method, req.path, req.body),
      respond: respondAs(options),
    };
  },
);
