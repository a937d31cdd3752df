import { isDatabaseUnavailable, isRetryableTransactionError, retryTransaction } from './database-errors.js';

const pgError = (code: string) => Object.assign(new Error(code), { code });

describe('database errors', () => {
  it('runs a transaction again after a deadlock or serialization failure', async () => {
    let calls = 0;
    const result = await retryTransaction(async () => {
      calls++;
      if (calls < 3) throw pgError(calls === 1 ? '40P01' : '40001');
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('does not run it again for other errors, and gives up after the attempts', async () => {
    let calls = 0;
    await expect(
      retryTransaction(async () => {
        calls++;
        throw pgError('23505');
      }),
    ).rejects.toThrow('23505');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryTransaction(async () => {
        calls++;
        throw pgError('40P01');
      }, 3),
    ).rejects.toThrow('40P01');
    expect(calls).toBe(3);
  });

  it('tells an unreachable database from a bad statement', () => {
    expect(isDatabaseUnavailable(pgError('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('57P01'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('08006'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([pgError('ECONNREFUSED')]))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('22P02'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('40P01'))).toBe(false);
    expect(isRetryableTransactionError(pgError('40P01'))).toBe(true);
    expect(isRetryableTransactionError(pgError('23505'))).toBe(false);
  });
});
