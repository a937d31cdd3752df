import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (bad JSON, or a required header such as Idempotency-Key is missing)',
  401: 'UNAUTHENTICATED: missing, invalid or expired token',
  403: 'FORBIDDEN or PRO_REQUIRED',
  404: 'NOT_FOUND: unknown id, or not the caller’s',
  409: 'Conflict with the current state',
  422: 'VALIDATION_FAILED (with `errors`), PROVIDER_AUTH_FAILED, or IDEMPOTENCY_KEY_REUSED',
  503: 'PROVIDER_UNAVAILABLE (a provider call this request needs is rate-limited, down or timed out) or SERVICE_UNAVAILABLE (the database is unreachable); `Retry-After` says when to try again',
};

/** Documents the problem+json answers a route can give. */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
