/** The destination refused one record (bad data for it); the record is skipped with this reason, the chunk goes on. */
export class RecordRejectedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RecordRejectedError';
  }
}
