/** The destination refused one record (bad data for it): the record is reported FAILED (DESTINATION_REJECTED) with this reason, the ledger marks it SKIPPED, the chunk goes on. */
export class RecordRejectedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RecordRejectedError';
  }
}
