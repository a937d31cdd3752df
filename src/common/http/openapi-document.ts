import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-codes.js';
import { errorEntries, problemExample, describeCode, problemResponse } from './api-errors.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const PROBLEM = 'application/problem+json';
const UNSAFE_TEXT = 'a path or query parameter holds a NUL character or an unpaired UTF-16 surrogate';

/** Every operation of the document, with its path and method. */
export function operationsOf(
  document: OpenAPIObject,
): Array<{ path: string; method: string; op: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ path, method, op: item[method]! })),
  );
}

/**
 * Adds what holds for every route rather than one, after the document is generated, so routes added
 * later get it too: /v1 routes need the bearer token (401 UNAUTHENTICATED) and the database (503
 * SERVICE_UNAVAILABLE), the others are public
 * (`security: []`, so Swagger UI sends no token to them); a route with a JSON body can answer
 * 400 MALFORMED_REQUEST, 413 PAYLOAD_TOO_LARGE and 415 UNSUPPORTED_MEDIA_TYPE; a route with path or
 * query parameters can answer 422 VALIDATION_FAILED (text PostgreSQL cannot store, refused for every route).
 */
export function completeOpenApiDocument(document: OpenAPIObject, problemRef: string): OpenAPIObject {
  for (const { path, op } of operationsOf(document)) {
    const cross: ErrorCode[] = [];
    if (path.startsWith('/v1/')) cross.push(ErrorCode.Unauthenticated, ErrorCode.ServiceUnavailable);
    else op.security = [];
    if (op.requestBody)
      cross.push(ErrorCode.MalformedRequest, ErrorCode.PayloadTooLarge, ErrorCode.UnsupportedMediaType);
    for (const [code, why] of errorEntries(cross)) addProblem(op, code, why, problemRef);
    // the validation pipe reads every path and query parameter first (src/common/errors/validation.pipe.ts)
    if ((op.parameters ?? []).some((p) => 'in' in p && (p.in === 'path' || p.in === 'query')))
      addProblem(op, ErrorCode.ValidationFailed, UNSAFE_TEXT, problemRef);
  }
  return document;
}

function addProblem(op: OperationObject, code: ErrorCode, why: string, problemRef: string): void {
  const status = String(problemExample(code).status);
  const existing = op.responses[status] as ResponseObject | undefined;
  if (!existing) {
    op.responses[status] = problemResponse([[code, why]], problemRef);
    return;
  }
  const media =
    (existing.content ??= {})[PROBLEM] ?? (existing.content[PROBLEM] = { schema: { $ref: problemRef } });
  const examples = (media.examples ??= {}) as Record<string, unknown>;
  if (examples[code]) return; // the route documented it itself, with its own reason
  examples[code] = { summary: why, value: problemExample(code) };
  existing.description = [existing.description, describeCode(code, why)].filter(Boolean).join('\n\n');
}
