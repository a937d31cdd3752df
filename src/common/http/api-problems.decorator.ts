import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (bad JSON, or a required header such as Idempotency-Key is missing)',
  401: 'UNAUTHENTICATED: missing, invalid or expired token',
  403: 'FORBIDDEN or PRO_REQUIRED',
  404: 'NOT_FOUND: unknown id, or not the caller’s',
  409: 'Conflict: SYNC_ALREADY_ACTIVE, INVALID_STATE, IDEMPOTENCY_KEY_IN_PROGRESS, SYNC_LIMIT_REACHED or DEVICE_LIMIT_REACHED',
  422: 'VALIDATION_FAILED (with `errors`), or IDEMPOTENCY_KEY_REUSED',
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
