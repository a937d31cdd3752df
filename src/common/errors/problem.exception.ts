import { HttpException } from '@nestjs/common';
import { ErrorCode, titleOf } from './error-codes.js';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error answered as RFC 9457 problem+json with the contract's `code`. `extensions` are extra
 * members of the problem object (`errors`, `upsell`, `orchestrationId`, ...).
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super({ code, detail, ...extensions }, status);
    this.name = 'ProblemException';
  }

  get title(): string {
    return titleOf(this.code);
  }
}

export const notFound = (what = 'Resource'): ProblemException =>
  new ProblemException(404, ErrorCode.NotFound, `${what} not found`);

export const invalidState = (detail: string): ProblemException =>
  new ProblemException(409, ErrorCode.InvalidState, detail);

export const validationFailed = (errors: FieldError[], detail?: string): ProblemException =>
  new ProblemException(
    422,
    ErrorCode.ValidationFailed,
    detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    { errors },
  );
