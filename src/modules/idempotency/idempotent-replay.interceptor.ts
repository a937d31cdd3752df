import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import type { Idempotent, StoredResponse } from './idempotency.service.js';

export interface IdempotentRouteOptions<T> {
  /** The status of the first answer (a replay answers with the stored one). */
  status: number;
  /** The `Location` of the first answer, from the body the service returned. */
  location: (body: T) => string;
  /** Whether the route requires an `Idempotency-Key` (else it is optional). */
  required: boolean;
}

/** The HTTP answer of a first request: what is sent and, in the same transaction, stored for replay. */
export function respondAs<T>(options: IdempotentRouteOptions<T>): (body: T) => StoredResponse<T> {
  return (body) => ({ status: options.status, body, headers: { Location: options.location(body) } });
}

/** Turns the `Idempotent<T>` a handler returns into its HTTP answer: status, headers, body. */
export class IdempotentReplayInterceptor implements NestInterceptor {
  private readonly respond: (body: unknown) => StoredResponse;

  constructor(options: IdempotentRouteOptions<unknown>) {
    this.respond = respondAs(options);
  }

  intercept(context: ExecutionContext, next: CallHandler<Idempotent<unknown>>): Observable<unknown> {
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((outcome) => {
        const answer = outcome.replayed ? outcome.response : this.respond(outcome.result);
        res.status(answer.status).set(answer.headers);
        if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
        return answer.body;
      }),
    );
  }
}
