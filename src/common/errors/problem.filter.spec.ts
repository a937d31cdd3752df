import type { Logger } from '@nestjs/common';
import { toProblem } from './problem.filter.js';

describe('toProblem: the database data-error safety net', () => {
  const logger = () => {
    const calls = { error: 0, warn: 0 };
    return {
      calls,
      logger: {
        error: () => void calls.error++,
        warn: () => void calls.warn++,
      } as unknown as Logger,
    };
  };

  it('answers any SQLSTATE class 22 error with 422, logged as a warning without the value', () => {
    for (const code of ['22021', '22P05', '22001', '22003', '22007']) {
      const { calls, logger: log } = logger();
      const error = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00 (secret)'), {
        code,
      });
      const problem = toProblem(error, log);
      expect(problem).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(problem)).not.toContain('secret');
      expect(calls).toEqual({ error: 0, warn: 1 });
    }
  });

  it('still answers other database errors with a logged 500', () => {
    const { calls, logger: log } = logger();
    const problem = toProblem(Object.assign(new Error('deadlock detected'), { code: '40P01' }), log);
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(calls.error).toBe(1);
    expect(toProblem(Object.assign(new Error('x'), { code: 22021 }), log).status).toBe(500);
  });

  it('answers a body beyond the depth or key limits with 422', () => {
    const problem = toProblem(Object.assign(new Error('deep'), { type: 'entity.shape.exceeded' }));
    expect(problem).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
  });
});
