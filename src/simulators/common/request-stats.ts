import type { NextFunction, Request, Response } from 'express';

/** Requests answered, by endpoint and status code, for `GET /_sim/requests`. */
export class RequestStats {
  private counts: Record<string, Record<string, number>> = {};

  middleware(endpoint: string) {
    return (_req: Request, res: Response, next: NextFunction): void => {
      res.once('finish', () => {
        const byStatus = (this.counts[endpoint] ??= {});
        byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
      });
      next();
    };
  }

  snapshot(): Record<string, Record<string, number>> {
    return structuredClone(this.counts);
  }

  total(endpoint?: string): number {
    const entries = endpoint ? [this.counts[endpoint] ?? {}] : Object.values(this.counts);
    return entries.reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
  }

  reset(): void {
    this.counts = {};
  }
}
