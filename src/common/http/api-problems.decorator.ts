import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-codes.js';
import { ERROR_CATALOGUE, errorEntries, problemResponse, type RouteErrors } from './api-errors.js';
import { ProblemDto } from './problem.dto.js';

/**
 * Documents the problem+json answers of a route: one response per status, whose description names
 * each code and why this route answers it, with one example body per code. Cross-cutting answers
 * (401 on every /v1 route, 400/413/415 on routes with a body) are added to every operation by
 * {@link completeOpenApiDocument}; name them here only to give a route-specific reason.
 *
 *   @ApiErrors({ NOT_FOUND: 'no such connection, or not the caller’s', VALIDATION_FAILED: '' })
 */
export const ApiErrors = (errors: RouteErrors) => {
  const byStatus = new Map<number, Array<[ErrorCode, string]>>();
  for (const entry of errorEntries(errors)) {
    const status = ERROR_CATALOGUE[entry[0]].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), entry]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...[...byStatus].map(([status, entries]) =>
      ApiResponse({ status, ...problemResponse(entries, getSchemaPath(ProblemDto)) }),
    ),
  );
};

export interface ApiDocOptions {
  /** One line: what the route does (the operation list shows it). */
  summary: string;
  /** What it does, when a client calls it, and anything a caller must know (Markdown). */
  description: string;
  /** The error codes this route can answer, beyond the cross-cutting ones (see {@link ApiErrors}). */
  errors?: RouteErrors;
}

/**
 * The documentation of one operation: summary, description and the error codes it can return.
 * Pair it with the success response(s) (`@ApiOkResponse({ type, description })`, ...); the DTOs
 * carry the examples (`@ApiProperty({ example })`). test/openapi.e2e-spec.ts fails for an operation
 * that lacks any of these.
 */
export const ApiDoc = ({ summary, description, errors = [] }: ApiDocOptions) =>
  applyDecorators(ApiOperation({ summary, description }), ApiErrors(errors));

/** The codes a bare status stands for, for {@link ApiProblems}. */
const CODES_OF_STATUS: Record<number, ErrorCode[]> = {
  400: [ErrorCode.MalformedRequest],
  401: [ErrorCode.Unauthenticated],
  403: [ErrorCode.Forbidden],
  404: [ErrorCode.NotFound],
  409: [ErrorCode.InvalidState],
  422: [ErrorCode.ValidationFailed],
  503: [ErrorCode.ServiceUnavailable],
};

/**
 * Documents the problem+json answers of a route by status only (each status as its most common
 * code). Prefer {@link ApiErrors} / {@link ApiDoc}, which name the exact codes.
 */
export const ApiProblems = (...statuses: number[]) =>
  ApiErrors(statuses.flatMap((status) => CODES_OF_STATUS[status] ?? [ErrorCode.Internal]));
