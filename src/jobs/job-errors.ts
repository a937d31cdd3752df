/**
 * Thrown by a job handler for an error that retrying cannot fix: the job skips its remaining
 * retries and goes to its queue's dead-letter queue at once.
 */
export class DeadLetterError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'DeadLetterError';
  }
}
