import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { findUnsafeText } from '../text.js';
import { validationFailed, type FieldError } from './problem.exception.js';

/** Flattens nested class-validator errors into `{ field: 'range.startDate', message }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * Refuses, before any transformation, a body, query or path parameter holding a string PostgreSQL
 * cannot store or a client cannot read (a NUL character, an unpaired UTF-16 surrogate).
 */
class SafeTextValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const field = findUnsafeText(value);
      if (field !== undefined) {
        throw validationFailed([
          { field, message: 'must not contain NUL characters or unpaired UTF-16 surrogates' },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

/** Whitelisting, transforming validation that answers 422 VALIDATION_FAILED with field errors. */
export function createValidationPipe(): ValidationPipe {
  return new SafeTextValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}
