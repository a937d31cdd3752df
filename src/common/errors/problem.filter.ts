import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorCode, titleOf, typeOf } from './error-codes.js';
import { isDatabaseUnavailable } from '../../database/database-errors.js';
import { ProblemException } from './problem.exception.js';
import { ProviderFault, retryAfterSeconds } from './provider-fault.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.MalformedRequest,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.InvalidState,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  422: ErrorCode.ValidationFailed,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/** Errors raised by Express's body parsers before any route runs, by their `type`. */
const BODY_PARSER_ERRORS: Record<string, { status: number; code: ErrorCode; detail: string }> = {
  'entity.parse.failed': {
    status: 400,
    code: ErrorCode.MalformedRequest,
    detail: 'The request body is not valid JSON',
  },
  'entity.too.large': {
    status: 413,
    code: ErrorCode.PayloadTooLarge,
    detail: 'The request body is too large',
  },
  'encoding.unsupported': {
    status: 415,
    code: ErrorCode.UnsupportedMediaType,
    detail: 'Unsupported content encoding',
  },
  'charset.unsupported': { status: 415, code: ErrorCode.UnsupportedMediaType, detail: 'Unsupported charset' },
  'entity.shape.exceeded': {
    status: 422,
    code: ErrorCode.ValidationFailed,
    detail: 'The JSON body is nested too deeply or has too many keys',
  },
  'request.aborted': { status: 400, code: ErrorCode.MalformedRequest, detail: 'The request was aborted' },
  'request.size.invalid': {
    status: 400,
    code: ErrorCode.MalformedRequest,
    detail: 'Request size did not match',
  },
};

/** Seconds a client is told to wait (Retry-After) while the database is unreachable. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** A problem and the response headers that go with it (Retry-After on a 503). */
export interface ProblemAnswer {
  problem: Problem;
  headers?: Record<string, string>;
}

/**
 * Faults of what the request depends on, not of the request: a provider fault (`ProviderFault`, which
 * the taxonomy of providers/provider-errors.ts extends) or the database being unreachable. Never a 500.
 */
function dependencyProblem(error: unknown, logger?: Logger): ProblemAnswer | undefined {
  if (error instanceof ProviderFault) {
    if (error.kind === 'auth_rejected' || error.kind === 'grant_revoked' || error.kind === 'permission')
      return {
        problem: problem(
          422,
          ErrorCode.ProviderAuthFailed,
          `${error.provider} refused the authorization: ${error.message}`,
        ),
      };
    if (error.kind === 'app_credentials') logger?.error(`${error.provider}: ${error.message}`);
    else logger?.warn(`${error.provider} unavailable: ${error.message}`);
    const retryAfter = retryAfterSeconds(error);
    return {
      problem: problem(
        503,
        ErrorCode.ProviderUnavailable,
        `${error.provider} could not answer this request right now (${error.kind === 'rate_limited' ? 'rate limited' : 'unavailable'}); try again in ${retryAfter} s`,
      ),
      headers: { 'Retry-After': String(retryAfter) },
    };
  }
  if (isDatabaseUnavailable(error)) {
    logger?.warn(`database unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return {
      problem: problem(
        503,
        ErrorCode.ServiceUnavailable,
        'The service cannot reach its database; try again shortly',
      ),
      headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    };
  }
  return undefined;
}

/** An error as a problem with its headers. */
export function toProblemAnswer(error: unknown, logger?: Logger): ProblemAnswer {
  return dependencyProblem(error, logger) ?? { problem: toProblem(error, logger) };
}

/** Turns any error into an RFC 9457 problem. Unexpected errors are logged and answered without detail. */
export function toProblem(error: unknown, logger?: Logger): Problem {
  const dependency = dependencyProblem(error);
  if (dependency) return dependency.problem;
  if (error instanceof ProblemException) {
    return problem(error.getStatus(), error.code, error.detail, error.extensions);
  }
  if (error instanceof HttpException) {
    const parser = BODY_PARSER_ERRORS[(error.cause as { type?: string } | undefined)?.type ?? ''];
    if (parser) return problem(parser.status, parser.code, parser.detail);
    const status = error.getStatus();
    const body = error.getResponse();
    if (isHealthResult(body)) {
      return problem(status, ErrorCode.ServiceUnavailable, 'A dependency is not ready', {
        checks: body.details,
      });
    }
    const cause = error.cause !== undefined ? dependencyProblem(error.cause) : undefined;
    if (cause) return cause.problem;
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.MalformedRequest);
    if (status >= 500) logger?.error(error.message, error.stack);
    return problem(status, code, status >= 500 ? titleOf(code) : error.message);
  }
  const parserError = BODY_PARSER_ERRORS[(error as { type?: string } | null)?.type ?? ''];
  if (parserError) return problem(parserError.status, parserError.code, parserError.detail);
  const dataError = sqlDataError(error);
  if (dataError) {
    // a value PostgreSQL cannot take (SQLSTATE class 22: bad encoding, out of range, too long):
    // the request's fault, answered 422 and logged without the value
    logger?.warn(`Request rejected by the database: SQLSTATE ${dataError}`);
    return problem(422, ErrorCode.ValidationFailed, 'The request contains a value that cannot be stored');
  }
  logger?.error(
    error instanceof Error ? error.message : String(error),
    error instanceof Error ? error.stack : undefined,
  );
  return problem(500, ErrorCode.Internal, 'An unexpected error occurred. It has been logged.');
}

/** The SQLSTATE of a PostgreSQL data exception (class 22), else undefined. */
function sqlDataError(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) ? code : undefined;
}

function problem(
  status: number,
  code: ErrorCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return { type: typeOf(code), title: titleOf(code), status, detail, code, ...extensions };
}

function isHealthResult(body: unknown): body is { details: unknown } {
  return (
    typeof body === 'object' &&
    body !== null &&
    'details' in body &&
    (body as { status?: unknown }).status === 'error'
  );
}

export function sendProblem(
  req: Request,
  res: Response,
  value: Problem,
  headers: Record<string, string> = {},
): void {
  const body: Problem = { ...value, instance: req.originalUrl?.split('?')[0] };
  const requestId = (req as Request & { id?: unknown }).id;
  if (typeof requestId === 'string') body.requestId = requestId;
  if (body.status === 503 && !headers['Retry-After']) headers = { ...headers, 'Retry-After': '5' };
  res.status(body.status).set(headers).type('application/problem+json').send(JSON.stringify(body));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    const { problem, headers } = toProblemAnswer(error, this.logger);
    sendProblem(http.getRequest<Request>(), res, problem, headers);
  }
}
