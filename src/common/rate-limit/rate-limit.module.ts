import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RateLimitRepository } from './rate-limit.repository.js';
import { RateLimitService } from './rate-limit.service.js';
import { UserRateLimitInterceptor } from './user-rate-limit.interceptor.js';

/** Per-user (interceptor) and per-IP (middleware, see bootstrap.ts) request budgets of the `/v1` API. */
@Module({
  providers: [
    RateLimitRepository,
    RateLimitService,
    { provide: APP_INTERCEPTOR, useClass: UserRateLimitInterceptor },
  ],
  exports: [RateLimitService],
})
export class RateLimitModule {}
